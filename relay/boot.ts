import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from './config.js';
import { HttpTarget } from './import/delivery/http-target.js';
import { OutboxTarget } from './import/delivery/outbox.js';
import { ImportService } from './import/import-service.js';
import { closeInterruptedRuns } from './import/interrupted-runs.js';
import { RunStore } from './import/run-store.js';
import type { MailboxDriver } from './mail/driver.js';
import { createImapDriver } from './mail/imap/driver.js';
import { isAllowListed, parseAllowList } from './mail/net-guard.js';
import { CredentialResolver } from './mailboxes/credentials.js';
import { MailboxService } from './mailboxes/service.js';
import { ConnectFlow } from './oauth/connect-flow.js';
import { ConsentFlow } from './oauth/consent-flow.js';
import { GoogleOAuth } from './oauth/google.js';
import { MicrosoftOAuth } from './oauth/microsoft.js';
import { PendingFlows } from './oauth/pending-flows.js';
import { OAuthTokens } from './oauth/token-service.js';
import { ensureDataDir } from './store/data-dir.js';
import { acquireLock } from './store/data-dir-lock.js';
import { checkKeyOpensSecrets } from './store/key-check.js';
import { LowStore } from './store/low-store.js';
import { SecretBox } from './store/secret-box.js';
import { loadPreviousKey, loadSecretKey } from './store/secret-key.js';
import { TokenStore } from './store/token-store.js';
import { alertsFromConfig } from './alerts/from-config.js';
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
    const store = await LowStore.open(config.dataDir);
    await checkKeyOpensSecrets(box, store, config);
    const tokens = new TokenStore(config.dataDir);
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
    const flows = new PendingFlows();
    const connect = new ConnectFlow(providers, flows, mailboxes, store, oauthTokens);
    const consent = new ConsentFlow(microsoft, flows, store);
    // Staging folders left by a crash hold half-delivered documents nobody will finish: with the
    // lock held, no run of this relay is using them.
    rmSync(join(config.dataDir, 'staging'), { recursive: true, force: true });
    const runs = new RunStore(join(config.dataDir, 'runs'));
    closeInterruptedRuns(
      runs,
      join(config.dataDir, 'ledger'),
      (overrides.now ?? (() => new Date()))(),
      (err) => log.error({ err, event: 'run.unclosed' }),
    );
    const alerts = alertsFromConfig(config, mailboxes, log, overrides.now);
    const metrics = new RelayMetrics({
      mailboxes: () => store.list(),
      openAlerts: () => alerts.open(),
      clientSecretExpires: config.alerts.msClientSecretExpires,
    });
    const target = config.delivery
      ? new HttpTarget(config.delivery.url, config.delivery.token, config.delivery.timeoutMs)
      : new OutboxTarget(join(config.dataDir, 'outbox'));
    const imports = new ImportService({
      mailboxes,
      credentials,
      driver,
      runs,
      target,
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
      runs.removeMailbox(e.id);
      metrics.forgetMailbox(e.id);
      rmSync(join(config.dataDir, 'ledger', `${e.id}.jsonl`), { force: true });
    });
    return {
      config,
      box,
      store,
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
      storeInfo: { kind: 'lowdb' as const, dataDir: config.dataDir },
      delivery: config.delivery ? ('http' as const) : ('outbox' as const),
      /** Lets go of the data directory; alerts stop being evaluated (deliveries under way go on). */
      release: () => {
        void alerts.stop();
        unlock();
      },
      /** release(), after the alerts raised so far were delivered, given up, or `ms` passed. */
      async close(ms = 5_000) {
        // A ref'd timer: with only unref'd retry waits left, Node would end the process mid-await.
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([alerts.stop(), new Promise((r) => (timer = setTimeout(r, ms)))]);
        clearTimeout(timer);
        alerts.closeNotifiers();
        unlock();
      },
    };
  } catch (e) {
    unlock();
    throw e;
  }
}
export type Relay = Awaited<ReturnType<typeof openRelay>>;
