/**
 * IMAP sessions as Dovecot 2.3 logs them with the test helper's configuration (its defaults: info
 * level, `log_timestamp` of whole seconds). A session is a pair of lines sharing its session id:
 *
 *   Dec 02 07:15:58 imap-login: Info: Login: user=<u000>, method=PLAIN, …, mpid=20538, TLS, session=<ARcn…>
 *   Dec 02 07:15:58 imap(u000)<20538><ARcn…>: Info: Disconnected: Logged out in=173 out=683 …
 *
 * (a connection that is dropped instead of logged out, e.g. by a relay killed with SIGKILL, ends
 * with "Disconnected: Connection closed …"). The timestamps cannot order two sessions within one
 * second, so the order is the order of the lines: Dovecot's log process writes them one file, in
 * the order it receives them.
 */

export interface Session {
  user: string;
  id: string;
  /** Line numbers (0-based) of the login and of the end; end is null while the session is open. */
  start: number;
  end: number | null;
  endText: string | null;
}

export interface Overlap {
  user: string;
  /** The session that was still open… */
  open: Session;
  /** …when this one logged in. */
  next: Session;
  lines: string[];
}

const LOGIN = /imap-login: Info: Login: user=<([^>]+)>.*\bsession=<([^>]+)>/;
const END = /imap\(([^)]+)\)<\d+><([^>]+)>: Info: (Disconnected.*)$/;

export function parseSessions(log: string): { sessions: Session[]; lines: string[] } {
  const lines = log.split('\n');
  const sessions: Session[] = [];
  const byId = new Map<string, Session>();
  lines.forEach((line, i) => {
    const login = LOGIN.exec(line);
    if (login) {
      const s: Session = { user: login[1]!, id: login[2]!, start: i, end: null, endText: null };
      sessions.push(s);
      byId.set(s.id, s);
      return;
    }
    const end = END.exec(line);
    if (end) {
      const s = byId.get(end[2]!);
      if (s && s.end === null) {
        s.end = i;
        s.endText = end[3]!;
      }
    }
  });
  return { sessions, lines };
}

/** Every login of a user while another session of the same user was still open, in line order. */
export function overlappingSessions(log: string): Overlap[] {
  const { sessions, lines } = parseSessions(log);
  const found: Overlap[] = [];
  const byUser = new Map<string, Session[]>();
  for (const s of sessions) byUser.set(s.user, [...(byUser.get(s.user) ?? []), s]);
  for (const [user, list] of byUser) {
    // Sorted by their login line already; an overlap is a login before the previous one's end.
    for (let i = 1; i < list.length; i++)
      for (let j = 0; j < i; j++) {
        const open = list[j]!;
        const next = list[i]!;
        if (open.end === null || open.end > next.start)
          found.push({
            user,
            open,
            next,
            lines: [open.start, open.end, next.start, next.end]
              .filter((n): n is number => n !== null)
              .map((n) => lines[n] ?? ''),
          });
      }
  }
  return found;
}
