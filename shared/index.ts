export * from './connection-check.js';
export * from './errors.js';
export * from './imap-settings.js';
export * from './mailbox.js';
export * from './me.js';
export * from './run.js';
export * from './schedule.js';
export * from './text.js';
