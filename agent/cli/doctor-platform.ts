// doctor's platform checks: sign-in (9001) works, the box's clock agrees with the platform's, and the
// outbox is not holding records back.

import type { Config } from '../../config/index.js';
import { MemoryMsgidReservations, MsgidAllocator } from '../../sync/msgid.js';
import type { SyncStatus } from '../ledger/outbox-status.js';
import { platformClient } from '../platform.js';
import type { Check } from './doctor.js';

/** Same limit as the cameras' (device/camera/onvif.ts CLOCK_SKEW_WARN_MS): beyond it, times disagree visibly. */
const CLOCK_WARN_MS = 5_000;
/** Beyond this the records we send carry times the platform cannot match with its own. */
const CLOCK_FAIL_MS = 5 * 60_000;
const BACKLOG_WARN_SECONDS = 3600;
/** The same day as the SYNC_BACKLOG_STALE alarm on the box. */
const BACKLOG_FAIL_SECONDS = 24 * 3600;

export function skewText(ms: number, whose: string): string {
  const abs = Math.abs(ms) / 1000;
  const amount = abs >= 3600 ? `${(abs / 3600).toFixed(1)} h` : abs >= 120 ? `${(abs / 60).toFixed(1)} min` : `${abs.toFixed(1)} s`;
  return Math.abs(ms) < 1000 ? `box clock in step with ${whose}` : `box clock ${amount} ${ms > 0 ? 'ahead of' : 'behind'} ${whose}`;
}

export async function platformSignInCheck(config: Config): Promise<Check> {
  const url = config.platform.url as string;
  try {
    const client = platformClient(config, url, new MsgidAllocator(new MemoryMsgidReservations(), config.store.code), {
      timeoutMs: Math.min(config.platform.timeoutMs, 10_000),
    });
    await client.signIn();
    return { name: 'platform', status: 'pass', detail: `sign-in (9001) works at ${url}` };
  } catch (err) {
    return {
      name: 'platform',
      status: 'fail',
      detail: `${url}: ${(err as Error).message}`,
      fix: 'check the network, platform.url, the store code and the signing keys',
    };
  }
}

/**
 * The box's clock against the platform's, from the HTTP Date header of any answer at platform.url
 * (whole seconds, so ±0.5 s after correcting for the round trip).
 */
export async function platformClockCheck(url: string, now: () => Date = () => new Date()): Promise<Check> {
  const name = 'platform clock';
  let date: string | null;
  const t0 = now().getTime();
  try {
    const res = await fetch(url, { method: 'HEAD', signal: AbortSignal.timeout(5000), redirect: 'manual' });
    date = res.headers.get('date');
  } catch (err) {
    return {
      name,
      status: 'warn',
      detail: `cannot read the time at ${url}: ${(err as Error).message}`,
      fix: 'see the platform check above (network, platform.url)',
    };
  }
  const t1 = now().getTime();
  const platformMs = date ? Date.parse(date) : Number.NaN;
  if (!Number.isFinite(platformMs)) return { name, status: 'warn', detail: `${url} answered without an HTTP Date header; clock skew unknown` };
  // The box minus the platform: positive when the box is ahead. The header truncates to the second.
  const skew = Math.round((t0 + t1) / 2 - (platformMs + 500));
  const detail = `${skewText(skew, `the platform at ${url}`)} (HTTP Date ${date})`;
  const fix =
    'run `timedatectl status` on the box (System clock synchronized: yes, NTP service: active; else `timedatectl set-ntp true`); if the box is right, tell the platform operator their clock is off';
  if (Math.abs(skew) > CLOCK_FAIL_MS) return { name, status: 'fail', detail, fix };
  if (Math.abs(skew) > CLOCK_WARN_MS) return { name, status: 'warn', detail, fix };
  return { name, status: 'pass', detail };
}

const hours = (s: number) => (s >= 7200 ? `${Math.floor(s / 3600)} h` : `${Math.floor(s / 60)} min`);

/** Records refused by the platform, and how long the oldest unsent one has waited. */
export function outboxCheck(backlog: SyncStatus, config: Config): Check {
  const age = backlog.oldestPendingAgeSeconds ?? 0;
  const where = config.platform.simulator ? 'the embedded simulator' : (config.platform.url ?? '');
  if (backlog.failed > 0) {
    return {
      name: 'outbox',
      status: 'warn',
      detail: `${backlog.failed} records refused by the platform; last error: ${backlog.lastError?.error ?? ''}`,
      fix: 'see /api/sync (manager page → 数据上传) and retry after fixing the cause',
    };
  }
  const waiting = `${backlog.backlog} records waiting${backlog.backlog > 0 ? `, oldest ${hours(age)} (since ${backlog.oldestPendingAt ?? '?'})` : ''}`;
  if (age > BACKLOG_FAIL_SECONDS) {
    return {
      name: 'outbox',
      status: 'fail',
      detail: `${waiting}: the platform has not had our purchase/sale records for over a day`,
      fix: `check the connection to ${where} (platform check above) and the service log: journalctl -u counter-agent | grep -i outbox`,
    };
  }
  if (age > BACKLOG_WARN_SECONDS)
    return { name: 'outbox', status: 'warn', detail: waiting, fix: `check the connection to ${where}; the box retries by itself` };
  return { name: 'outbox', status: 'pass', detail: waiting };
}
