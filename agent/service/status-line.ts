// The one line `systemctl status counter-agent` shows (STATUS=): where the box serves, what the platform
// has not yet accepted, which devices are not connected (scanners, ID readers and cameras). For the
// technician, so in English like the logs.

import { syncStatus } from '../../sync/outbox/status.js';
import type { RunningAgent } from '../app.js';

export function serviceStatusLine(agent: Pick<RunningAgent, 'url' | 'ledger' | 'deviceStatuses'>, now: Date = new Date()): string {
  const sync = syncStatus(agent.ledger.db, now);
  const parts = [`serving ${agent.url}`, `backlog ${sync.backlog}`];
  if (sync.failed > 0) parts.push(`${sync.failed} refused by the platform`);
  const notConnected = agent.deviceStatuses().filter((s) => s.state !== 'connected');
  if (notConnected.length > 0) parts.push(`not connected: ${notConnected.map((s) => `${s.id} (${s.state})`).join(' ')}`);
  return parts.join(', ');
}
