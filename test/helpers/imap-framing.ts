/**
 * Just enough IMAP framing (RFC 9051 §2.2, §4.3) for test/helpers/imap-fault-proxy.ts: splits one
 * direction of a connection into lines and literals, so the proxy can tell where a command or a
 * response begins and where a literal's bytes are, without parsing anything else.
 */

export interface FramerHooks {
  /**
   * A complete line, CRLF included. `first` is true when it begins a command or response, false when it
   * continues one after a literal. Return true to withhold the line and stop the framer.
   */
  line(line: Buffer, first: boolean): boolean;
  /**
   * A literal of `size` bytes begins (its `{size}` line was just released). Return how many of its
   * bytes to release before stopping, or undefined to release it all.
   */
  literal?(size: number, sync: boolean): number | undefined;
}

export interface FramerOutput {
  /** Bytes to forward, unchanged and in order. */
  out: Buffer[];
  /** A hook asked to stop: nothing after `out` was released, and `push` must not be called again. */
  stopped: boolean;
}

/** `{n}`, `{n+}` (LITERAL+, RFC 7888) or `~{n}` (literal8, RFC 3516) at the end of a line. */
const LITERAL_AT_END = /~?\{(\d{1,19})(\+?)\}\r?\n$/;

interface Literal {
  remaining: number;
  released: number;
  sync: boolean;
  stopAt: number | undefined;
}

export class ImapFramer {
  private partial: Buffer[] = [];
  private literal: Literal | undefined;
  private first = true;

  constructor(private readonly hooks: FramerHooks) {}

  /**
   * Incomplete lines are held back until their LF arrives, so a line can be withheld whole even when
   * TCP split it; literal bytes are released as they come.
   */
  push(chunk: Buffer): FramerOutput {
    const out: Buffer[] = [];
    let i = 0;
    for (;;) {
      const lit = this.literal;
      if (lit && lit.stopAt === lit.released) return { out, stopped: true };
      if (i >= chunk.length) return { out, stopped: false };
      if (lit) {
        const room = lit.stopAt === undefined ? Infinity : lit.stopAt - lit.released;
        const take = Math.min(lit.remaining, chunk.length - i, room);
        out.push(chunk.subarray(i, i + take));
        i += take;
        lit.released += take;
        lit.remaining -= take;
        if (lit.remaining === 0 && lit.stopAt !== lit.released) this.literal = undefined;
        continue;
      }
      const lf = chunk.indexOf(0x0a, i);
      if (lf < 0) {
        this.partial.push(chunk.subarray(i));
        return { out, stopped: false };
      }
      const line = Buffer.concat([...this.partial, chunk.subarray(i, lf + 1)]);
      this.partial = [];
      i = lf + 1;
      if (this.hooks.line(line, this.first)) return { out, stopped: true };
      out.push(line);
      this.startLiteral(line);
    }
  }

  /** Bytes of a line that never got its LF, e.g. when the peer closed mid-line. */
  flush(): Buffer {
    const rest = Buffer.concat(this.partial);
    this.partial = [];
    return rest;
  }

  /**
   * Forgets a synchronising literal none of whose bytes came yet: the server refused it with a tagged
   * NO or BAD instead of `+`, so the client will not send it (RFC 9051 §4.3).
   */
  cancelSyncLiteral(): void {
    if (this.literal?.sync && this.literal.released === 0) {
      this.literal = undefined;
      this.first = true;
    }
  }

  private startLiteral(line: Buffer): void {
    const match = LITERAL_AT_END.exec(line.subarray(-32).toString('latin1'));
    this.first = !match;
    if (!match) return;
    const size = Number(match[1]);
    const sync = match[2] !== '+';
    const stopAt = this.hooks.literal?.(size, sync);
    // A zero-length literal with nowhere to stop leaves nothing to skip.
    if (size > 0 || stopAt !== undefined) this.literal = { remaining: size, released: 0, sync, stopAt };
  }
}

/** Tag and verb of a command line; `UID` takes the next word along (RFC 9051 §6.4.9). */
export function parseCommand(line: Buffer): { tag: string; verb: string } | undefined {
  const [tag, verb, sub] = line.subarray(0, 64).toString('latin1').trimEnd().split(' ');
  if (!tag || !verb || !/^[A-Za-z][A-Za-z0-9-]*$/.test(verb)) return undefined;
  const upper = verb.toUpperCase();
  if (upper !== 'UID') return { tag, verb: upper };
  return sub && /^[A-Za-z]+$/.test(sub) ? { tag, verb: `UID ${sub.toUpperCase()}` } : undefined;
}

/** Tag and status of a tagged response line (RFC 9051 §7.1); untagged (`*`) and `+` lines give none. */
export function parseTagged(line: Buffer): { tag: string; status: string } | undefined {
  const [tag, status] = line.subarray(0, 64).toString('latin1').split(' ');
  if (!tag || tag === '*' || tag === '+' || !status) return undefined;
  return { tag, status: status.trimEnd().toUpperCase() };
}
