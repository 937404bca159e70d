// A stand-in for systemd's notify socket in tests: a unix datagram socket bound by a small perl process
// (Node cannot receive datagrams; perl-base is on every Debian box). Each datagram is printed with the
// time it arrived, so a test can see when pings stopped, not only that they came.
//
// Why not socat: socat peeks at each datagram with a control buffer and so keeps the file descriptor that
// systemd-notify's BARRIER=1 carries; the barrier then waits its full 5 s on every message. perl's plain
// recv() lets the kernel close it at once, as PID 1 does.

import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface NotifyMessage {
  /** When the datagram arrived (ms since the epoch, the receiver's clock). */
  at: number;
  /** Its VARIABLE=VALUE lines. */
  fields: string[];
}

export interface NotifyReceiver {
  path: string;
  /** Everything received so far, BARRIER=1 messages left out. */
  messages: NotifyMessage[];
  /** The first message (from the start, or after `afterIndex`) for which `match` holds. */
  waitFor(what: string, match: (m: NotifyMessage) => boolean, timeoutMs?: number, afterIndex?: number): Promise<NotifyMessage>;
  close(): void;
}

const PERL = `
use IO::Socket::UNIX; use Socket; use Time::HiRes qw(time);
unlink $ARGV[0];
my $s = IO::Socket::UNIX->new(Type => SOCK_DGRAM, Local => $ARGV[0]) or die "cannot bind $ARGV[0]: $!\\n";
$| = 1; print "listening\\n";
my $b; while (defined $s->recv($b, 65536)) { printf "%.3f %s\\n", time, unpack("H*", $b); }
`;

export async function startNotifyReceiver(path: string): Promise<NotifyReceiver> {
  const child: ChildProcess = spawn('perl', ['-e', PERL, path], { stdio: ['ignore', 'pipe', 'pipe'] });
  const messages: NotifyMessage[] = [];
  const waiters = new Set<() => void>();
  let stderr = '';
  child.stderr?.on('data', (b: Buffer) => (stderr += b.toString()));
  const lines = createInterface({ input: child.stdout! });
  await new Promise<void>((resolve, reject) => {
    child.once('error', (err) => reject(new Error(`cannot run perl for the notify socket (sh scripts/debian-deps.sh): ${err.message}`)));
    child.once('exit', (code) => reject(new Error(`notify receiver exited with ${code}: ${stderr.trim()}`)));
    lines.once('line', () => resolve());
  });
  lines.on('line', (line) => {
    const [at, hex] = line.split(' ');
    const fields = Buffer.from(hex ?? '', 'hex')
      .toString('utf8')
      .split('\n')
      .filter(Boolean);
    if (fields.length === 1 && fields[0] === 'BARRIER=1') return;
    messages.push({ at: Math.round(Number(at) * 1000), fields });
    for (const w of waiters) w();
  });
  return {
    path,
    messages,
    waitFor(what, match, timeoutMs = 15_000, afterIndex = -1) {
      const find = () => messages.find((m, i) => i > afterIndex && match(m));
      return new Promise((resolve, reject) => {
        const check = () => {
          const m = find();
          if (!m) return;
          cleanup();
          resolve(m);
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`no ${what} within ${timeoutMs} ms; received: ${JSON.stringify(messages.map((m) => m.fields))}`));
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
    close: () => {
      child.kill('SIGKILL');
    },
  };
}

/** The value of `NAME=` in a message, if it has one. */
export function field(m: NotifyMessage, name: string): string | undefined {
  const line = m.fields.find((f) => f.startsWith(`${name}=`));
  return line === undefined ? undefined : line.slice(name.length + 1);
}
