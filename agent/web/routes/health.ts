import type { FastifyPluginAsync } from 'fastify';
import { PUBLIC } from '../auth.js';

export interface HealthReport {
  status: 'ok' | 'degraded';
  version: string;
  devices: unknown[];
  platform: unknown;
  disk: unknown;
  /** Where the ledger's WAL checkpoints run: on their worker thread, or inside commits (SQLite's default, the fallback). */
  ledger?: { checkpoints: 'starting' | 'worker' | 'in_commits' };
  alarms: { code: string; message: string }[];
}

export type HealthSource = () => Promise<HealthReport> | HealthReport;

/** What anyone on the network may see: the state and the alarms, without paths or URLs. */
export interface PublicHealth {
  status: HealthReport['status'];
  alarms: HealthReport['alarms'];
}

/** Device paths, data folders and platform URLs tell an intruder where to look: left out of the public answer. */
export function withoutDetails(message: string): string {
  return message
    .replace(/\b[a-z][a-z0-9+.-]*:\/\/[^\s，。；、）)]+/gi, '')
    .replace(/(^|[\s（(：:，,])\/[^\s，。；、）)]*/g, '$1')
    .replace(/（[\s，,]*）|\([\s,]*\)/g, '')
    .replace(/[：:]\s*(?=[，,。；]|$)/g, '')
    .replace(/\s{2,}/g, ' ')
    .trim();
}

/**
 * GET /api/health: anyone (monitoring, the counter page before sign-in) gets `{ status, alarms }`; the full report
 * (version, devices with paths, platform URL, disk path) needs a signed-in technician or manager (token or session).
 */
export function healthRoutes(source: HealthSource): FastifyPluginAsync {
  return async (app) => {
    app.get('/api/health', { config: PUBLIC }, async (req): Promise<HealthReport | PublicHealth> => {
      const full = await source();
      const role = req.principal?.role;
      if (role === 'technician' || role === 'manager') return full;
      return { status: full.status, alarms: full.alarms.map((a) => ({ code: a.code, message: withoutDetails(a.message) })) };
    });
  };
}
