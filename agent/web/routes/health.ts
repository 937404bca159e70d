import type { FastifyPluginAsync } from 'fastify';
import { PUBLIC } from '../auth.js';

export interface HealthReport {
  status: 'ok' | 'degraded';
  version: string;
  devices: unknown[];
  platform: unknown;
  disk: unknown;
  alarms: { code: string; message: string }[];
}

export type HealthSource = () => Promise<HealthReport> | HealthReport;

/** GET /api/health: open to anyone on the network (no secrets in it), so monitoring needs no token. */
export function healthRoutes(source: HealthSource): FastifyPluginAsync {
  return async (app) => {
    app.get('/api/health', { config: PUBLIC }, async () => source());
  };
}
