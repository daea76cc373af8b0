/**
 * "Check connection and load folders": connect, TLS, login and list, each timed. The failing step carries
 * the error and later steps are left out; it never throws.
 */
import type { CheckStep, CheckStepName, ConnectionCheckResult } from '../../../shared/connection-check.js';
import { RelayError } from '../../errors.js';
import type { ConnectTarget } from '../driver.js';
import { classifyImapError } from './classify-error.js';
import { connectImap, ConnectProgress, type ImapDriverOptions } from './connect.js';
import { ImapSession } from './session.js';

export async function checkImap(
  target: ConnectTarget,
  opts: ImapDriverOptions,
): Promise<ConnectionCheckResult> {
  const { host, port, security } = target.imap;
  const ctx = { host, port, credentials: target.credentials.type };
  // Plain IMAP has no TLS step to report.
  const stepNames: CheckStepName[] =
    security === 'none' ? ['connect', 'login', 'list'] : ['connect', 'tls', 'login', 'list'];
  const progress = new ConnectProgress();
  const passed = (upTo: number): CheckStep[] =>
    stepNames.slice(0, upTo).map((step) => ({ step, ok: true, ms: progress.ms[step] ?? 0 }));
  let session: ImapSession | undefined;
  try {
    session = new ImapSession(await connectImap(target, opts, progress), ctx);
    progress.advance('list');
    const folders = await session.listFolders();
    progress.finish();
    return { ok: true, steps: passed(stepNames.length), folders };
  } catch (err) {
    const failed = progress.phase;
    const error = (err instanceof RelayError ? err : classifyImapError(err, ctx)).toInfo();
    const steps = [
      ...passed(stepNames.indexOf(failed)),
      { step: failed, ok: false, ms: progress.elapsed(), error },
    ];
    return { ok: false, steps, folders: [], error };
  } finally {
    await session?.close();
  }
}
