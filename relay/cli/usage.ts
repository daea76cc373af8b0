/** The CLI's help texts, on stdout with exit 0 (DESIGN §2). */

const RUN = 'npm run relay --';

export const MAIN_USAGE = `Usage: ${RUN} <verb> [options]     (node .output/relay/main.mjs <verb> once built)

Verbs (no verb is serve):
  serve                                   the HTTP API and the Auto processing schedules
  token create --user NAME [--roles A,B]  print a new API token once (only its hash is stored)
  token list [--json]                     the tokens, never their secret
  token revoke ID                         a token stops working at once
  import --mailbox ID                     one import run now, its result as JSON
  rotate-key                              re-seal every secret with a new key (relay stopped)
  migrate                                 create or upgrade the PostgreSQL schema
  export --out FILE                       everything the store holds into one file (secrets sealed)
  import-data --in FILE                   load an export into an empty store (lowdb or PostgreSQL)

${RUN} <verb> --help shows one verb. Settings come from the environment and from a .env file
in the working directory (the environment wins); see the README.
Exit codes: 0 done, 1 failed (one line on stderr says why), 2 wrong command line.`;

export const SERVE_USAGE = `Usage: ${RUN} serve

Runs the HTTP API on RELAY_HOST:RELAY_PORT (127.0.0.1:8787) and the Auto processing schedules,
with the data in RELAY_DATA_DIR (./data), or in PostgreSQL when RELAY_DATABASE_URL is set (any
number of relays may share one database; the schema is migrated first). SIGTERM or SIGINT finishes the mails in hand (25 s at
most) and stops. Refuses to start when another relay uses the data directory, the port is taken,
or the secret key does not open the stored secrets.`;

export const TOKEN_USAGE = `Usage:
  ${RUN} token create --user NAME [--roles A,B]
  ${RUN} token list [--json]
  ${RUN} token revoke ID

create  prints a new API token on stdout, once; only its SHA-256 is stored in tokens.json
list    one token a line, or --json: [{ id, user, roles, createdAt, revokedAt }]
revoke  ID or an unambiguous start of it; works beside a running relay, no restart needed`;

export const IMPORT_USAGE = `Usage: ${RUN} import --mailbox ID

Runs one import of the mailbox now, headless, and prints the run as JSON. Not beside a running
serve on the same data directory. Exit 0 completed, 1 failed, 75 interrupted by SIGTERM or
SIGINT (run it again to go on).`;

export const ROTATE_KEY_USAGE = `Usage: ${RUN} rotate-key

Generates a new secret key and re-seals every stored secret with it; the old key stays in
secret.key.previous until the next rotation. Stop the relay first: rotate-key refuses while serve
uses the data directory. It needs the current key: it cannot recover secrets sealed with a lost
key. With RELAY_SECRET_KEY set, rotate the key where that variable is set.`;

export const MIGRATE_USAGE = `Usage: ${RUN} migrate

Creates or upgrades the schema of the PostgreSQL database in RELAY_DATABASE_URL: the relay's tables
and the job queue's. Safe beside running relays and from several at once: one migrates, the others
wait. serve does the same when it starts.`;

export const EXPORT_USAGE = `Usage: ${RUN} export --out FILE

Writes everything the configured store holds (mailboxes, consents, API token hashes, the ledger,
run history, alerts) to FILE (mode 0600), secrets still sealed with the relay's key. From the data
directory when RELAY_DATABASE_URL is unset (stop the relay first), else from PostgreSQL.`;

export const IMPORT_DATA_USAGE = `Usage: ${RUN} import-data --in FILE

Loads a file written by export into the configured store, which must hold no mailboxes and no
tokens: PostgreSQL when RELAY_DATABASE_URL is set, else the data directory (relay stopped). The
relay's key must open the file's secrets (use the key of the relay that exported it).`;
