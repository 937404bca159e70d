// The counter page: static files (plain HTML/JS/CSS, no build step). tsc copies none of them into dist,
// so they are served from the source folder, found from this module both as source and as dist.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyPluginAsync } from 'fastify';

const CANDIDATES = [
  new URL('../../../../agent/web/pages/counter/', import.meta.url), // dist/agent/web/routes → checkout/agent/web/pages
  new URL('../pages/counter/', import.meta.url), // agent/web/routes (source, Vitest)
];

/** The folder that holds the counter page, or undefined when neither place has it. */
export function counterPageDir(): string | undefined {
  for (const u of CANDIDATES) {
    const dir = fileURLToPath(u);
    if (existsSync(join(dir, 'index.html'))) return dir;
  }
  return undefined;
}

const TYPES: Record<string, string> = {
  'counter.js': 'text/javascript; charset=utf-8',
  'counter.css': 'text/css; charset=utf-8',
};

const SECURITY_HEADERS = {
  'cache-control': 'no-cache',
  'x-content-type-options': 'nosniff',
  'content-security-policy': "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
  'referrer-policy': 'same-origin',
} as const;

export function pageRoutes(dir: string | undefined = counterPageDir()): FastifyPluginAsync {
  return async (app) => {
    app.get('/', async (_req, reply) => reply.redirect('/counter'));
    const missing = { errors: [{ code: 'PAGE_MISSING', message: '收银页面文件缺失：请重新安装 counter-agent' }] };
    app.get('/counter', async (_req, reply) => {
      if (!dir) return reply.code(500).send(missing);
      const html = await readFile(join(dir, 'index.html'));
      return reply.headers(SECURITY_HEADERS).type('text/html; charset=utf-8').send(html);
    });
    // Only the page's own files: a fixed list, so no path from the request reaches the file system.
    for (const [name, type] of Object.entries(TYPES)) {
      app.get(`/counter/${name}`, async (_req, reply) => {
        if (!dir) return reply.code(500).send(missing);
        return reply.headers(SECURITY_HEADERS).type(type).send(await readFile(join(dir, name)));
      });
    }
  };
}
