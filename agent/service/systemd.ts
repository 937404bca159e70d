// What `counter-agent run` tells systemd (Type=notify): STATUS while starting, READY=1 once the ledger, the
// platform sync and the web server are up, a refreshed STATUS line, watchdog pings, STOPPING=1 on shutdown.
// Outside systemd (NOTIFY_SOCKET unset: a terminal, npm start, tests) all of it is a no-op.

import type { Logger } from '../log.js';
import { SdNotifier } from './sd-notify.js';
import { startWatchdog, type Watchdog, watchdogIntervalMs } from './watchdog.js';

export interface SystemdServiceOptions {
  log: Pick<Logger, 'warn' | 'info'>;
  /** Default process.env, whose NOTIFY_SOCKET / WATCHDOG_* are then removed so that children (ffmpeg, socat) do not inherit them. */
  env?: NodeJS.ProcessEnv;
  pid?: number;
  /** How often the STATUS line is recomputed (sent only when it changed); default 15 s. */
  statusEveryMs?: number;
  command?: string;
}

export interface SystemdService {
  /** True when started by systemd with a notify socket. */
  readonly enabled: boolean;
  /** The watchdog ping period, when systemd asked for one. */
  readonly watchdogMs: number | undefined;
  status(text: string): void;
  /** READY=1 with the first STATUS line; then watchdog pings and STATUS refreshes until stopping(). */
  ready(statusLine: () => string): void;
  /** STOPPING=1; pings and refreshes stop (systemd stops watching once the service is stopping). */
  stopping(): void;
  /** Waits (bounded) until every queued message is handed over: call before the process exits. */
  flush(timeoutMs?: number): Promise<void>;
}

export function systemdService(opts: SystemdServiceOptions): SystemdService {
  const env = opts.env ?? process.env;
  const watchdogMs = watchdogIntervalMs(env, opts.pid ?? process.pid);
  const notifier = new SdNotifier({ env, log: opts.log, ...(opts.command ? { command: opts.command } : {}) });
  if (env === process.env) {
    delete process.env.NOTIFY_SOCKET;
    delete process.env.WATCHDOG_USEC;
    delete process.env.WATCHDOG_PID;
  }
  let watchdog: Watchdog | undefined;
  let refresh: NodeJS.Timeout | undefined;
  let lastStatus: string | undefined;
  const setStatus = (text: string) => {
    if (text === lastStatus) return;
    lastStatus = text;
    notifier.notify({ status: text });
  };
  const safeLine = (statusLine: () => string): string => {
    try {
      return statusLine();
    } catch (err) {
      return `running; status unavailable: ${(err as Error).message}`;
    }
  };
  if (notifier.enabled) opts.log.info({ watchdogMs: watchdogMs ?? null }, 'systemd notify socket found');

  return {
    enabled: notifier.enabled,
    watchdogMs,
    status: setStatus,
    ready(statusLine) {
      if (!notifier.enabled) return;
      lastStatus = safeLine(statusLine);
      notifier.notify({ ready: true, status: lastStatus });
      if (watchdogMs !== undefined) watchdog = startWatchdog(notifier, watchdogMs);
      refresh = setInterval(() => setStatus(safeLine(statusLine)), opts.statusEveryMs ?? 15_000);
      refresh.unref();
    },
    stopping() {
      watchdog?.stop();
      clearInterval(refresh);
      notifier.notify({ stopping: true, status: 'stopping: closing devices, web server, cameras, sync and ledger' });
    },
    flush: (timeoutMs) => notifier.flush(timeoutMs),
  };
}
