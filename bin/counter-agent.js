#!/usr/bin/env node
// Entry point for `npx counter-agent`; the TypeScript is compiled to dist/ by `npm ci` (prepare) or `npm run build`.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const main = new URL('../dist/agent/cli/main.js', import.meta.url);
if (!existsSync(fileURLToPath(main))) {
  console.error('counter-agent: dist/ is missing. Run `npm ci` (or `npm run build`) in the checkout first.');
  process.exit(2);
}
const { runCli } = await import(main.href);
process.exitCode = await runCli(process.argv.slice(2));
