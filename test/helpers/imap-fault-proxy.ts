/**
 * A TCP proxy between an IMAP client (security 'none') and a plain IMAP server, e.g. Dovecot's plain-only
 * port, that forwards bytes unchanged until an armed fault fires at a protocol moment: after the tagged OK
 * of a command (the "OK lost" case of RFC 9051 §7.1), or inside a literal of a response. The client must
 * not use COMPRESS (RFC 4978) or STARTTLS: the proxy reads the bytes it forwards.
 */
import { createServer, connect, type Socket } from 'node:net';
import { setTimeout } from 'node:timers/promises';
import { ImapFramer, parseCommand, parseTagged } from './imap-framing.js';

/**
 * - 'reset': both sockets are destroyed with a TCP RST (50 ms after the last forwarded bytes, see
 *   RESET_DELAY_MS); the withheld bytes are dropped, the client sees ECONNRESET.
 * - 'stall': nothing more is forwarded either way and both sockets stay open until close(), so the
 *   client must time out by itself.
 * - 'garbage': the client gets GARBAGE instead of the withheld bytes, then a FIN (end of stream);
 *   the server's socket is closed. Inside a literal the garbage becomes literal bytes, and completes
 *   the literal only if fewer than GARBAGE.length of its bytes were left.
 */
export type FaultAction = 'reset' | 'stall' | 'garbage';
export type FaultMoment =
  /** The server's tagged OK to the command has arrived at the proxy; the proxy withholds it, then acts. */
  | { at: 'after-ok'; command: string }
  /**
   * Inside a literal of the server's answer to `command` (default 'UID FETCH'), after `afterBytes` of
   * it were forwarded. Only literals longer than `afterBytes` count, so the cut is always inside one.
   */
  | { at: 'mid-literal'; command?: string; afterBytes: number };
export interface Fault {
  moment: FaultMoment;
  action: FaultAction;
  /** fire on the n-th match (default 1), counted over all connections since arm() */
  nth?: number;
}
export interface FaultProxy {
  host: string;
  port: number;
  /** One armed fault at a time; it fires once, on the connection where its moment occurs. */
  arm(fault: Fault): void;
  disarm(): void;
  /** Resolves when the armed fault has fired (its action is done); stays pending if it never does. */
  fired(): Promise<void>;
  /** Number of client connections accepted so far. */
  connections(): number;
  /** Tagged commands seen, in order, as 'A1 LOGIN': tag and verb only, so no credentials. */
  commands(): string[];
  /** Destroys every connection and the server. */
  close(): Promise<void>;
}

/** Not IMAP: NUL and 0xFF are not allowed in IMAP text, `}{` opens no literal. Fixed, so runs repeat. */
export const GARBAGE = Buffer.concat([
  Buffer.from('* \x00\xff garbage }{\r\n', 'latin1'),
  Buffer.from(Array.from({ length: 32 }, (_, i) => (i * 151 + 7) & 0xff)),
  Buffer.from('\r\n'),
]);

/**
 * An RST that arrives together with unread bytes reads as a plain end of stream in libuv (a partial
 * read plus POLLHUP is taken for EOF), so the client gets a moment to read what came before it.
 */
const RESET_DELAY_MS = 50;

/** A fault claimed by the connection where its moment came, and whom to tell once it acted. */
interface Claim {
  fault: Fault;
  done: () => void;
}

/** What a connection asks of its proxy: every call to afterOk or midLiteral is a match. */
interface FaultSource {
  log(command: string): void;
  afterOk(verb: string): Claim | undefined;
  midLiteral(pendingVerbs: Iterable<string>, size: number): Claim | undefined;
}

const normalize = (command: string): string => command.trim().replace(/\s+/g, ' ').toUpperCase();

export function startFaultProxy(upstream: { host: string; port: number }): Promise<FaultProxy> {
  let armed: (Claim & { seen: number }) | undefined;
  let firedPromise: Promise<void> = new Promise(() => {});
  let accepted = 0;
  const log: string[] = [];
  const sockets = new Set<Socket>();

  const claim = (matches: (m: FaultMoment) => boolean): Claim | undefined => {
    if (!armed || !matches(armed.fault.moment)) return undefined;
    if (++armed.seen < (armed.fault.nth ?? 1)) return undefined;
    const { fault, done } = armed;
    armed = undefined;
    return { fault, done };
  };
  const source: FaultSource = {
    log: (command) => log.push(command),
    afterOk: (verb) => claim((m) => m.at === 'after-ok' && normalize(m.command) === verb),
    midLiteral(pendingVerbs, size) {
      const verbs = new Set(pendingVerbs);
      return claim(
        (m) =>
          m.at === 'mid-literal' && size > m.afterBytes && verbs.has(normalize(m.command ?? 'UID FETCH')),
      );
    },
  };

  const server = createServer((client) => {
    accepted++;
    const up = connect(upstream);
    for (const s of [client, up]) {
      sockets.add(s);
      s.once('close', () => sockets.delete(s));
    }
    new ProxiedConnection(client, up, source);
  });

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    // Port 0: the kernel picks a free port, with no window for another process to take it.
    server.listen({ host: '127.0.0.1', port: 0 }, () => {
      const address = server.address();
      if (typeof address !== 'object' || !address) return reject(new Error('fault proxy has no port'));
      resolve({
        host: '127.0.0.1',
        port: address.port,
        arm(fault) {
          let done!: () => void;
          firedPromise = new Promise((r) => (done = r));
          armed = { fault, seen: 0, done };
        },
        disarm: () => void (armed = undefined),
        fired: () => firedPromise,
        connections: () => accepted,
        commands: () => [...log],
        close: () =>
          new Promise((r) => {
            for (const s of sockets) s.destroy();
            server.close(() => r());
          }),
      });
    });
  });
}

/** Commands whose continuation lines are data, not commands: SASL responses (§6.2.2), DONE (§6.3.13). */
const TAKES_DATA = new Set(['AUTHENTICATE', 'IDLE']);

/** One client connection and its upstream twin. */
class ProxiedConnection {
  /** Tag → verb of the commands the server has not answered with a tagged response yet. */
  private readonly pending = new Map<string, string>();
  private currentTag: string | undefined;
  private dataFor: string | undefined;
  private claim: Claim | undefined;
  private halted = false;
  private readonly fromClient = new ImapFramer({ line: (line, first) => this.clientLine(line, first) });
  private readonly fromServer = new ImapFramer({
    line: (line, first) => this.serverLine(line, first),
    literal: (size) => this.serverLiteral(size),
  });

  constructor(
    private readonly client: Socket,
    private readonly up: Socket,
    private readonly source: FaultSource,
  ) {
    this.pipe(client, up, this.fromClient);
    this.pipe(up, client, this.fromServer);
  }

  private pipe(from: Socket, to: Socket, framer: ImapFramer): void {
    from.on('error', () => {});
    from.on('data', (chunk: Buffer) => {
      if (this.halted) return;
      const { out, stopped } = framer.push(chunk);
      const data = out.length === 1 && out[0] ? out[0] : Buffer.concat(out);
      if (stopped) {
        // Only the server's framer stops; the fault acts once the bytes before its moment are out.
        this.halted = true;
        const act = () => void this.act();
        return void (data.length > 0 ? to.write(data, act) : act());
      }
      if (data.length > 0 && !to.write(data)) {
        from.pause();
        to.once('drain', () => this.halted || from.resume());
      }
    });
    from.on('end', () => this.halted || to.end(framer.flush()));
    from.on('close', () => this.halted || to.destroy());
  }

  private clientLine(line: Buffer, first: boolean): boolean {
    if (!first) return false;
    if (this.dataFor) {
      if (this.pending.get(this.dataFor) === 'IDLE') this.dataFor = undefined;
      return false;
    }
    const command = parseCommand(line);
    if (!command) return false;
    this.pending.set(command.tag, command.verb);
    this.currentTag = command.tag;
    if (TAKES_DATA.has(command.verb)) this.dataFor = command.tag;
    this.source.log(`${command.tag} ${command.verb}`);
    return false;
  }

  private serverLine(line: Buffer, first: boolean): boolean {
    const tagged = first ? parseTagged(line) : undefined;
    if (!tagged) return false;
    const verb = this.pending.get(tagged.tag);
    this.pending.delete(tagged.tag);
    if (this.dataFor === tagged.tag) this.dataFor = undefined;
    if (this.currentTag === tagged.tag) this.fromClient.cancelSyncLiteral();
    if (verb === undefined || tagged.status !== 'OK') return false;
    this.claim = this.source.afterOk(verb);
    return this.claim !== undefined;
  }

  private serverLiteral(size: number): number | undefined {
    this.claim = this.source.midLiteral(this.pending.values(), size);
    const moment = this.claim?.fault.moment;
    return moment?.at === 'mid-literal' ? moment.afterBytes : undefined;
  }

  /** Runs the claimed fault; the bytes released before its moment were handed to the kernel. */
  private async act(): Promise<void> {
    const claim = this.claim;
    if (!claim) throw new Error('fault proxy stopped without a claimed fault');
    const { action } = claim.fault;
    if (action === 'reset') {
      await setTimeout(RESET_DELAY_MS);
      this.client.resetAndDestroy();
      this.up.resetAndDestroy();
    } else if (action === 'stall') {
      this.client.pause();
      this.up.pause();
    } else {
      await new Promise((r) => this.client.end(GARBAGE, () => r(undefined)));
      this.up.destroy();
    }
    claim.done();
  }
}
