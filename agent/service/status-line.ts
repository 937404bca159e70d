// The one line `systemctl status counter-agent` shows (STATUS=): where the box serves, what the platform
// has not yet accepted, which devices are not connected (scanners, ID readers and cameras). For the
// technician, so in English like the logs.

import type { DeviceStatus } from '../../device/types.js';
import type { Ledger } from '../ledger/index.js';
import { syncStatus } from '../ledger/outbox-status.js';

/** The parts of the running agent (app.ts RunningAgent) the line reads; named here so service/ does not import the root. */
export interface StatusLineSource {
  url: string;
  ledger: Pick<Ledger, 'db'>;
  /** Every device: scanners, ID readers and cameras (a camera that is down is listed too). */
  deviceStatuses(): DeviceStatus[];
}

export function serviceStatusLine(agent: StatusLineSource, now: Date = new Date()): string {
  const sync = syncStatus(agent.ledger.db, now);
  const parts = [`serving ${agent.url}`, `backlog ${sync.backlog}`];
  if (sync.failed > 0) parts.push(`${sync.failed} refused by the platform`);
  const notConnected = agent.deviceStatuses().filter((s) => s.state !== 'connected');
  if (notConnected.length > 0) parts.push(`not connected: ${notConnected.map((s) => `${s.id} (${s.state})`).join(' ')}`);
  return parts.join(', ');
}
