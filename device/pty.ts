// A pseudo-terminal pair made by socat (`apt-get install socat`): whatever is written to one link comes
// out of the other, like a serial cable. Used by the simulated scanner (a person or a script writes a
// scan to the far end) and by the tests, which put a real SerialScanner on one end.

import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';

export interface PtyPair {
  /** Symlinks to the two /dev/pts nodes. */
  readonly a: string;
  readonly b: string;
  readonly pid: number | undefined;
  /** Ends socat (SIGTERM, SIGKILL after 2 s) and resolves when it has exited; socat removes the links. */
  close(): Promise<void>;
  /** Kills socat with SIGKILL (links left dangling), for tests of a device vanishing abruptly. */
  kill(): Promise<void>;
}

export interface PtyPairOptions {
  socat?: string;
  /** How long to wait for socat to create both links; default 5000 ms. */
  timeoutMs?: number;
}

export function openPtyPair(a: string, b: string, opts: PtyPairOptions = {}): Promise<PtyPair> {
  for (const link of [a, b]) rmSync(link, { force: true }); // stale links of a killed socat
  const args = ['-d', '-d', `pty,raw,echo=0,link=${a}`, `pty,raw,echo=0,link=${b}`];
  const child = spawn(opts.socat ?? 'socat', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    child.once('exit', () => resolve());
  });
  let stderr = '';
  return new Promise<PtyPair>((resolve, reject) => {
    const fail = (why: string): void => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`socat ${args.join(' ')}: ${why}${stderr ? `\n${stderr.trim()}` : ''}`));
    };
    const timer = setTimeout(() => fail('no pty pair within the timeout'), opts.timeoutMs ?? 5000);
    const onError = (err: Error): void => fail(`${err.message} (is socat installed? apt-get install socat)`);
    const onExit = (code: number | null, signal: NodeJS.Signals | null): void => fail(`exited early (${signal ?? code})`);
    child.once('error', onError);
    child.once('exit', onExit);
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (text: string) => {
      if (stderr.length < 4096) stderr += text;
      // -d -d logs this notice once both ptys exist and their links are made.
      if (stderr.includes('starting data transfer loop') && existsSync(a) && existsSync(b)) {
        clearTimeout(timer);
        child.off('exit', onExit);
        child.off('error', onError);
        child.on('error', () => undefined);
        child.stderr?.removeAllListeners('data');
        child.stderr?.resume();
        resolve(pair(child, a, b, exited));
      }
    });
  });
}

function pair(child: ChildProcess, a: string, b: string, exited: Promise<void>): PtyPair {
  const end = async (signal: NodeJS.Signals): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill(signal);
      const force = setTimeout(() => child.kill('SIGKILL'), 2000);
      await exited;
      clearTimeout(force);
    }
  };
  return { a, b, pid: child.pid, close: () => end('SIGTERM'), kill: () => end('SIGKILL') };
}
