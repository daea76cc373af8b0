import type { ImportRun, MailResult } from '../../shared/run.js';

/** Adds one mail's outcome to a run; a mail moved for an earlier decision counts as that decision. */
export function countMail(run: ImportRun, m: MailResult) {
  run.mails.push(m);
  if (m.outcome === 'imported') run.counts.imported++;
  else if (m.outcome === 'not_imported') run.counts.notImported++;
  else if (m.outcome === 'retrying') run.counts.retrying++;
  else if (m.outcome === 'moved') run.counts[m.reason === null ? 'imported' : 'notImported']++;
  run.counts.seen++;
}
