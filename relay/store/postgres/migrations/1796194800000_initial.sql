-- Up Migration

-- Payloads are `json`, not `jsonb`: jsonb cannot hold U+0000 ("\u0000"), which a malformed mail's
-- subject or an IMAP server's error text can carry, and json keeps the text (and key order) as
-- written. Nothing queries inside them; the columns beside them are what is filtered and sorted on.
-- No foreign keys: each repository stands alone; deleting a mailbox deletes its rows in one
-- transaction (MailboxRepository.remove).

CREATE SEQUENCE mailboxes_seq;
CREATE TABLE mailboxes (
  id text PRIMARY KEY,
  data json NOT NULL,
  -- data.state.nextRun while automatic processing is on and not paused: what the scheduler claims.
  next_run timestamptz NULL,
  -- Insertion order, which list() keeps.
  seq bigint NOT NULL DEFAULT nextval('mailboxes_seq')
);
CREATE INDEX mailboxes_due ON mailboxes (next_run) WHERE next_run IS NOT NULL;

CREATE SEQUENCE consents_seq;
CREATE TABLE consents (
  tenant text PRIMARY KEY,
  consented_at timestamptz NOT NULL,
  consented_by text NOT NULL,
  consent json NOT NULL,
  -- Renewed on every record: the last recorded consent is listed last.
  seq bigint NOT NULL DEFAULT nextval('consents_seq')
);

CREATE SEQUENCE api_tokens_seq;
CREATE TABLE api_tokens (
  id text PRIMARY KEY,
  user_name text NOT NULL,
  roles text[] NOT NULL,
  -- SHA-256 (hex) of the token; the token itself is never stored.
  hash text NOT NULL UNIQUE,
  created_at timestamptz NOT NULL,
  revoked_at timestamptz NULL,
  seq bigint NOT NULL DEFAULT nextval('api_tokens_seq')
);

CREATE TABLE oauth_states (
  -- SHA-256 (hex) of the OAuth state: a copy of this table completes no sign-in.
  state_sha256 text PRIMARY KEY,
  flow json NOT NULL,
  expires_at timestamptz NOT NULL
);
CREATE INDEX oauth_states_expiry ON oauth_states (expires_at);

CREATE TABLE schedule_backoff (
  mailbox_id text PRIMARY KEY,
  count integer NOT NULL,
  until timestamptz NOT NULL
);

CREATE SEQUENCE ledger_seq;
CREATE TABLE ledger (
  mailbox_id text NOT NULL,
  folder text NOT NULL,
  uid_validity text NOT NULL,
  -- IMAP UIDs are unsigned 32-bit (RFC 9051 §2.3.1.1): past integer's range.
  uid bigint NOT NULL,
  status text NOT NULL,
  outcome text NULL,
  reason text NULL,
  message_id text NULL,
  raw_sha256 text NULL,
  run_id text NULL,
  attempts integer NOT NULL,
  next_attempt_at timestamptz NULL,
  at timestamptz NOT NULL,
  entry json NOT NULL,
  -- Renewed on every write: for one content, the last written entry wins (as in the journal).
  seq bigint NOT NULL DEFAULT nextval('ledger_seq'),
  -- Kept from the first write: the journal's order of entries.
  first_seq bigint NOT NULL DEFAULT nextval('ledger_seq'),
  PRIMARY KEY (mailbox_id, folder, uid_validity, uid)
);
CREATE INDEX ledger_same_mail ON ledger (mailbox_id, message_id, raw_sha256, seq);
CREATE INDEX ledger_by_run ON ledger (mailbox_id, run_id);

-- Run ids start with their start time; "C" sorts them bytewise, as the embedded store does.
CREATE TABLE runs (
  id text COLLATE "C" PRIMARY KEY,
  mailbox_id text NOT NULL,
  status text NOT NULL,
  started_at timestamptz NOT NULL,
  -- The run without its mails.
  summary json NOT NULL
);
CREATE INDEX runs_by_mailbox ON runs (mailbox_id, id);
CREATE INDEX runs_running ON runs (id) WHERE status = 'running';

CREATE TABLE run_mails (
  run_id text COLLATE "C" NOT NULL,
  seq integer NOT NULL,
  mail json NOT NULL,
  PRIMARY KEY (run_id, seq)
);

CREATE SEQUENCE alerts_seq;
CREATE TABLE alerts (
  id text PRIMARY KEY,
  key text NOT NULL,
  status text NOT NULL,
  raised_at timestamptz NOT NULL,
  resolved_at timestamptz NULL,
  alert json NOT NULL,
  -- Renewed on every save: all() lists in the order of the last save; the oldest resolved go first.
  seq bigint NOT NULL DEFAULT nextval('alerts_seq')
);
-- One open alert per key, also when two relays raise it at once (DESIGN §6).
CREATE UNIQUE INDEX alerts_one_open_per_key ON alerts (key) WHERE status = 'open';
CREATE INDEX alerts_by_seq ON alerts (seq);

-- Down Migration

DROP TABLE alerts;
DROP SEQUENCE alerts_seq;
DROP TABLE run_mails;
DROP TABLE runs;
DROP TABLE ledger;
DROP SEQUENCE ledger_seq;
DROP TABLE schedule_backoff;
DROP TABLE oauth_states;
DROP TABLE api_tokens;
DROP SEQUENCE api_tokens_seq;
DROP TABLE consents;
DROP SEQUENCE consents_seq;
DROP TABLE mailboxes;
DROP SEQUENCE mailboxes_seq;
