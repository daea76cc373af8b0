import { rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Config } from './config.js';
import { HttpTarget } from './import/delivery/http-target.js';
import { OutboxTarget } from './import/delivery/outbox.js';
import { ImportService } from './import/import-service.js';
import { closeInterruptedRuns } from './import/interrupted-runs.js';
import type { MailboxDriver } from './mail/driver.js';
import { createImapDriver } from './mail/imap/driver.js';
import { isAllowListed, parseAllowList } from './mail/net-guard.js';
import { CredentialResolver } from './mailboxes/credentials.js';
import { MailboxService } from './mailboxes/service.js';
import { ConnectFlow } from './oauth/connect-flow.js';
import { ConsentFlow } from './oauth/consent-flow.js';
import { GoogleOAuth } from './oauth/google.js';
import { MicrosoftOAuth } from './oauth/microsoft.js';
import { OAuthTokens } from './oauth/token-service.js';
import { ensureDataDir } from './store/data-dir.js';
import { acquireLock } from './store/data-dir-lock.js';
import { checkKeyOpensSecrets } from './store/key-check.js';
import { SecretBox } from './store/secret-box.js';
import { loadPreviousKey, loadSecretKey } from './store/secret-key.js';
import { openStores } from './store/open-stores.js';
import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import { realpathSync } from 'node:fs';
import { alertsFromConfig } from './alerts/from-config.js';
import { leadAlerts } from './alerts/leader.js';
import { createLogger, type Logger } from './log/logger.js';
import { RelayMetrics } from './metrics/metrics.js';

/** Everything a running relay holds, opened in the order that keeps data safe: lock, key, store. */
export async function openRelay(
  config: Config,
  overrides: { driver?: MailboxDriver; now?: () => Date; log?: Logger } = {},
) {
  const log = overrides.log ?? createLogger(config.log);
  ensureDataDir(config.dataDir);
  const unlock = acquireLock(config.dataDir);
  try {
    const box = new SecretBox(loadSecretKey(config), ...loadPreviousKey(config));
    const stores = await openStores(config, {
      ...(overrides.now && { now: () => overrides.now!().getTime() }),
      onDamaged: (why) => log.warn({ event: 'alert.store_damaged', why }),
    });
    const store = stores.mailboxes;
    const tokens = stores.tokens;
    await checkKeyOpensSecrets(box, store, config).catch(async (e: unknown) => {
      await stores.close();
      throw e;
    });
    const allow = parseAllowList(config.allowHosts);
    const mailboxes = new MailboxService(store, box, (host) => isAllowListed(allow, host));
    const driver =
      overrides.driver ??
      createImapDriver({
        allow,
        connectTimeoutMs: config.timeouts.connectMs,
        commandTimeoutMs: config.timeouts.commandMs,
      });
    const microsoft = new MicrosoftOAuth(config.microsoft);
    const providers = { microsoft, google: new GoogleOAuth(config.google) };
    const oauthTokens = new OAuthTokens(providers, mailboxes, box);
    const credentials = new CredentialResolver(mailboxes, oauthTokens);
    const connect = new ConnectFlow(providers, stores.flows, mailboxes, store, oauthTokens);
    const consent = new ConsentFlow(microsoft, stores.flows, stores.consents);
    // Staging folders left by a crash hold half-delivered documents nobody will finish: with the
    // lock held, no run of this relay is using them.
    const stagingRoot = stagingFor(config);
    rmSync(stagingRoot, { recursive: true, force: true });
    const runs = stores.runs;
    await closeInterruptedRuns(stores, (overrides.now ?? (() => new Date()))(), (err) =>
      log.error({ err, event: 'run.unclosed' }),
    );
    const alerts = alertsFromConfig(config, stores.alerts, mailboxes, log, overrides.now);
    let leader: { stop(): Promise<void> } | null = null;
    const metrics = new RelayMetrics({
      mailboxes: () => store.list(),
      openAlerts: () => alerts.open(),
      clientSecretExpires: config.alerts.msClientSecretExpires,
    });
    const target = config.delivery
      ? new HttpTarget(config.delivery.url, config.delivery.token, config.delivery.timeoutMs)
      : new OutboxTarget(config.outboxDir);
    const imports = new ImportService({
      mailboxes,
      credentials,
      driver,
      runs,
      ledger: stores.ledger,
      locks: stores.locks,
      target,
      stagingRoot,
      dataDir: config.dataDir,
      limits: config.import,
      failpoint: config.failpoint,
      log,
      metrics,
      ...(overrides.now ? { now: overrides.now } : {}),
    });
    mailboxes.onChange((e) => {
      if (e.type !== 'state') return;
      const { status, error, paused } = e.mailbox.state;
      log.info({
        event: 'mailbox.state',
        mailboxId: e.mailbox.id,
        from: e.previous.status,
        to: status,
        errorKind: error?.kind ?? null,
        paused,
      });
    });
    // A deleted mailbox takes its history and ledger with it; its secrets went with its record,
    // and a Google grant is revoked at Google too.
    mailboxes.onChange((e) => {
      if (e.type !== 'deleted') return;
      oauthTokens.forget(e.id);
      if (e.mailbox.provider !== 'imap' && e.mailbox.secrets.oauth)
        void providers[e.mailbox.provider].revoke(oauthTokens.open(e.mailbox)).catch(() => {});
      const forget = (err: unknown) => log.error({ err, event: 'mailbox.cleanup', mailboxId: e.id });
      void runs.removeMailbox(e.id).catch(forget);
      void stores.ledger.removeMailbox(e.id).catch(forget);
      void stores.backoff.clear(e.id).catch(forget);
      metrics.forgetMailbox(e.id);
    });
    return {
      config,
      box,
      store,
      stores,
      tokens,
      mailboxes,
      credentials,
      driver,
      runs,
      imports,
      connect,
      consent,
      alerts,
      metrics,
      log,
      storeInfo: stores.info,
      delivery: config.delivery ? ('http' as const) : ('outbox' as const),
      /** Alerts follow the mailboxes' states from now on (on one relay of a database: leader.ts). */
      startAlerts() {
        leader ??= leadAlerts(alerts, stores.kind === 'postgres' ? stores.locks : null, log);
      },
      /** Lets go of the data directory; alerts stop being evaluated (deliveries under way go on). */
      release: () => {
        void (leader?.stop() ?? alerts.stop());
        void stores.close();
        unlock();
      },
      /** release(), after the alerts raised so far were delivered, given up, or `ms` passed. */
      async close(ms = 5_000) {
        // A ref'd timer: with only unref'd retry waits left, Node would end the process mid-await.
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([
          leader?.stop() ?? alerts.stop(),
          new Promise((r) => (timer = setTimeout(r, ms))),
        ]);
        clearTimeout(timer);
        alerts.closeNotifiers();
        await stores.close();
        unlock();
      },
    };
  } catch (e) {
    unlock();
    throw e;
  }
}
export type Relay = Awaited<ReturnType<typeof openRelay>>;

/**
 * Staging sits beside the outbox, so a delivery is one rename on one file system. A shared outbox
 * (RELAY_OUTBOX_DIR, DESIGN §5) gets a staging folder per relay, named for its host and data
 * directory, so a starting relay clears only its own.
 */
function stagingFor(config: Config): string {
  if (resolve(config.outboxDir) === resolve(config.dataDir, 'outbox')) return join(config.dataDir, 'staging');
  const me = createHash('sha256')
    .update(`${hostname()}\0${realpathSync(config.dataDir)}`)
    .digest('hex');
  return join(config.outboxDir, '.staging', me.slice(0, 16));
}
