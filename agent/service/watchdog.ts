// The systemd watchdog (WatchdogSec= in the unit): WATCHDOG=1 every WATCHDOG_USEC / 2 from a timer on the
// main event loop. The timer is the point: a loop stuck in a busy wait, a synchronous call that never
// returns or an endless microtask chain fires no timer, the pings stop, and systemd kills and restarts the
// service (Restart=on-failure). A ping from a worker thread or a child would keep a hung counter "alive".

import type { NotifyFields } from './sd-notify.js';

/**
 * Half the watchdog period systemd asked for, in ms; undefined when it asked for none, or asked another
 * process (WATCHDOG_PID names the main PID; a child that inherited the variables must not ping).
 */
export function watchdogIntervalMs(env: NodeJS.ProcessEnv, pid: number = process.pid): number | undefined {
  const usec = Number(env.WATCHDOG_USEC);
  if (!env.WATCHDOG_USEC || !Number.isSafeInteger(usec) || usec <= 0) return undefined;
  if (env.WATCHDOG_PID && Number(env.WATCHDOG_PID) !== pid) return undefined;
  return Math.max(1, Math.floor(usec / 2000));
}

export interface Watchdog {
  stop(): void;
}

/** Pings at once (the first period starts at READY), then every `intervalMs` while the loop turns. */
export function startWatchdog(notifier: { notify(fields: NotifyFields): void }, intervalMs: number): Watchdog {
  notifier.notify({ watchdog: true });
  const timer = setInterval(() => notifier.notify({ watchdog: true }), intervalMs);
  // Never what keeps the process alive: shutdown must not wait for it.
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
