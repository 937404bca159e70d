import { fstatSync } from 'node:fs';
import { type Logger, pino } from 'pino';

export type { Logger } from 'pino';

/**
 * Structured JSON logs on stdout (journald keeps them). Never log an ID number unmasked: use maskId.
 * When stdout is the journal's stream (a systemd service), each line starts with its syslog priority, so that
 * `journalctl -p warning -u counter-agent` shows the warnings and errors; anywhere else the lines are plain JSON.
 */
export function createLogger(level: string, destination?: NodeJS.WritableStream): Logger {
  const options = { level, base: { service: 'counter-agent' }, timestamp: pino.stdTimeFunctions.isoTime };
  if (destination) return pino(options, destination);
  return pino(options, stdoutIsJournal() ? journalPriorityStream(process.stdout) : process.stdout);
}

/**
 * systemd.exec(5), "Environment variables in spawned processes": JOURNAL_STREAM is "<device>:<inode>" of the
 * journal stream connected to stdout/stderr; a process must compare it with its own stdout, because children
 * (a shell started from a service) inherit the variable with another stdout.
 */
export function stdoutIsJournal(env: NodeJS.ProcessEnv = process.env, fd = 1): boolean {
  const value = env.JOURNAL_STREAM;
  if (!value) return false;
  try {
    const st = fstatSync(fd, { bigint: true });
    return value === `${st.dev}:${st.ino}`;
  } catch {
    return false;
  }
}

/**
 * pino level → syslog priority, written as the "<N>" prefix of sd-daemon(3) (SD_ERR "<3>", SD_WARNING "<4>",
 * SD_INFO "<6>", SD_DEBUG "<7>"), which journald strips and keeps as the entry's PRIORITY
 * (systemd.exec(5) SyslogLevelPrefix=, on by default).
 */
export function syslogPriority(pinoLevel: number): number {
  if (pinoLevel >= 60) return 2; // fatal → crit
  if (pinoLevel >= 50) return 3; // error → err
  if (pinoLevel >= 40) return 4; // warn → warning
  if (pinoLevel >= 30) return 6; // info → info
  return 7; // debug, trace → debug
}

/** A destination that prefixes each JSON line pino writes with its priority ("<4>{"level":40,…}"). */
export function journalPriorityStream(out: NodeJS.WritableStream): { write(line: string): boolean } {
  return {
    write(line: string) {
      // pino writes one whole line per call, the level first.
      const level = /^\{"level":(\d+)/.exec(line);
      return out.write(level ? `<${syslogPriority(Number(level[1]))}>${line}` : line);
    },
  };
}

/** 130102198001011234 -> 1301**********1234 */
export function maskId(id: string): string {
  return id.length <= 8 ? '*'.repeat(id.length) : `${id.slice(0, 4)}${'*'.repeat(id.length - 8)}${id.slice(-4)}`;
}
