// The pages (counter, manager): static files, plain HTML/JS/CSS with no build step. tsc copies none of them
// into dist, so they are served from the source folder, found from this module both as source and as dist.
// Each page serves only the files its folder held at start (a whitelist of plain names), and /vendor/ serves
// the browser libraries bundled with the box from node_modules (no CDN: the store network may have no internet).
// All public: the pages hold no data; they sign in through /api/login and every API call is checked.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { PUBLIC } from '../auth.js';

export const PAGES = ['counter', 'manager'] as const;
export type PageName = (typeof PAGES)[number];

const CANDIDATE_ROOTS = [
  new URL('../../../../agent/web/pages/', import.meta.url), // dist/agent/web/routes → checkout/agent/web/pages
  new URL('../pages/', import.meta.url), // agent/web/routes (source, Vitest)
];

/** The folder that holds one page (its index.html), or undefined when neither place has it. */
export function pageDir(page: PageName): string | undefined {
  for (const root of CANDIDATE_ROOTS) {
    const dir = join(fileURLToPath(root), page);
    if (existsSync(join(dir, 'index.html'))) return dir;
  }
  return undefined;
}

/** Browser modules both pages import (served at /shared/<file>), or undefined when neither place has them. */
export function sharedDir(): string | undefined {
  for (const root of CANDIDATE_ROOTS) {
    const dir = join(fileURLToPath(root), 'shared');
    if (existsSync(dir)) return dir;
  }
  return undefined;
}

/** The folder that holds the counter page, or undefined when neither place has it. */
export function counterPageDir(): string | undefined {
  return pageDir('counter');
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.wav': 'audio/wav',
};
/** A plain file name: no path separators, no dot files, one of the served extensions. */
const SERVABLE = /^[A-Za-z0-9][A-Za-z0-9_-]*(?:\.[A-Za-z0-9_-]+)*\.(?:html|js|css|svg|wav)$/;

/** The files a page folder holds now (name → content type): listed once at start, so no request path reaches the file system. */
export function pageFiles(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  for (const name of readdirSync(dir)) {
    if (!SERVABLE.test(name) || !statSync(join(dir, name)).isFile()) continue;
    files.set(name, TYPES[extname(name)] as string);
  }
  return files;
}

/** Browser libraries served under /vendor/: the file inside the package's folder that the pages load. */
const VENDOR: Record<string, { pkg: string; file: string }> = {
  // Chart.js 4 UMD build: a classic script defining window.Chart; no eval, so it runs under CSP 'self'.
  'chart.umd.min.js': { pkg: 'chart.js', file: 'chart.umd.min.js' },
};

/** /vendor/<name> → absolute path, resolved from node_modules (a missing package leaves its name out). */
export function vendorFiles(): Map<string, string> {
  const require = createRequire(import.meta.url);
  const out = new Map<string, string>();
  for (const [name, v] of Object.entries(VENDOR)) {
    try {
      const path = join(dirname(require.resolve(v.pkg)), v.file);
      if (existsSync(path)) out.set(name, path);
    } catch {
      // not installed: /vendor/<name> answers 404 and the page says charts are unavailable
    }
  }
  return out;
}

const SECURITY_HEADERS = {
  'cache-control': 'no-cache',
  'x-content-type-options': 'nosniff',
  'content-security-policy': "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
  'referrer-policy': 'same-origin',
} as const;

const PAGE_MISSING: Record<PageName, string> = {
  counter: '收银页面文件缺失：请重新安装 counter-agent',
  manager: '管理页面文件缺失：请重新安装 counter-agent',
};

export function pageRoutes(
  dirs: Partial<Record<PageName | 'shared', string | undefined>> = { counter: pageDir('counter'), manager: pageDir('manager'), shared: sharedDir() },
): FastifyPluginAsync {
  return async (app) => {
    const send = async (reply: FastifyReply, path: string, type: string) =>
      reply
        .headers(SECURITY_HEADERS)
        .type(type)
        .send(await readFile(path));
    app.get('/', { config: PUBLIC }, async (_req, reply) => reply.redirect('/counter'));
    for (const page of PAGES) {
      const dir = dirs[page];
      const missing = { errors: [{ code: 'PAGE_MISSING', message: PAGE_MISSING[page] }] };
      app.get(`/${page}`, { config: PUBLIC }, async (_req, reply) =>
        dir ? send(reply, join(dir, 'index.html'), TYPES['.html'] as string) : reply.code(500).send(missing),
      );
      app.get(`/${page}/`, { config: PUBLIC }, async (_req, reply) => reply.redirect(`/${page}`));
      if (!dir) continue;
      for (const [name, type] of pageFiles(dir)) app.get(`/${page}/${name}`, { config: PUBLIC }, async (_req, reply) => send(reply, join(dir, name), type));
    }
    const shared = dirs.shared;
    if (shared)
      for (const [name, type] of pageFiles(shared))
        app.get(`/shared/${name}`, { config: PUBLIC }, async (_req, reply) => send(reply, join(shared, name), type));
    for (const [name, path] of vendorFiles()) app.get(`/vendor/${name}`, { config: PUBLIC }, async (_req, reply) => send(reply, path, TYPES['.js'] as string));
  };
}
