#!/usr/bin/env node
// The arrows between the top-level folders (DESIGN.md section 3), counted over the program's own files
// (tests and test helpers left out: a test may import anything). Prints each arrow with its import count,
// then exits 1 when the folder graph has a cycle or an arrow the design forbids, naming the files.
//
//   node scripts/import-graph.mjs [--root DIR]      (npm run arch)
//
// The composition root (agent/app.ts, the platform wiring agent/platform.ts and the CLI agent/cli/) is a node
// of its own, "agent(root)": it is the one part of agent/ that may import sync/, and sync/ implements ports
// that agent/ defines, so with the root inside "agent" every box would show agent ⇄ sync.

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const FOLDERS = ['agent', 'bench', 'common', 'config', 'device', 'hq', 'sync'];
const ROOT_NODE = 'agent(root)';

/** from → the nodes it must never import, and why (DESIGN 3). */
const FORBIDDEN = {
  agent: {
    sync: 'the domain never imports sync/ (only the composition root, the CLI and the platform wiring do)',
    [ROOT_NODE]: 'the domain never imports its composition root',
  },
  common: {
    agent: 'common/ is pure helpers',
    [ROOT_NODE]: 'common/ is pure helpers',
    sync: 'common/ is pure helpers',
    device: 'common/ is pure helpers',
    config: 'common/ is pure helpers',
  },
  device: {
    agent: 'hardware adapters know nothing of sales or the ledger',
    [ROOT_NODE]: 'hardware adapters know nothing of sales or the ledger',
    sync: 'hardware adapters know nothing of the platform',
  },
  config: {
    agent: 'config/ is read by the composition root',
    [ROOT_NODE]: 'config/ is read by the composition root',
    sync: 'config/ is read by the composition root',
    device: 'config/ is read by the composition root',
  },
  sync: { [ROOT_NODE]: 'sync/ implements ports; it is wired, it does not wire' },
};

function isTestFile(rel) {
  return /\.test\.ts$|\.test-helpers\.ts$|(^|\/)test-support\.ts$/.test(rel);
}

function nodeOf(rel) {
  if (rel === 'agent/app.ts' || rel === 'agent/platform.ts' || rel.startsWith('agent/cli/')) return ROOT_NODE;
  return rel.split('/')[0];
}

function walk(dir, out) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules') continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (/\.(ts|mts|js|mjs)$/.test(name) && !name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

// Static imports and re-exports (type-only ones too: they are arrows of the design) and dynamic import('…').
const IMPORT_RE = /(?:^|[\s;])(?:import|export)\s[^'"`;]*?from\s*['"]([^'"]+)['"]|(?:^|[\s;])import\s*['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)/g;

export function importGraph(root) {
  const files = [];
  for (const f of FOLDERS) {
    const dir = join(root, f);
    try {
      if (statSync(dir).isDirectory()) walk(dir, files);
    } catch {
      // folder absent in this checkout
    }
  }
  const arrows = new Map(); // "from\tto" -> [file: specifier]
  for (const file of files) {
    const rel = relative(root, file).split(sep).join('/');
    if (isTestFile(rel) || rel.startsWith('agent/web/pages/')) continue;
    const from = nodeOf(rel);
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(IMPORT_RE)) {
      const spec = m[1] ?? m[2] ?? m[3];
      if (!spec.startsWith('.')) continue;
      const target = relative(root, resolve(dirname(file), spec))
        .split(sep)
        .join('/');
      if (target.startsWith('..') || !FOLDERS.includes(target.split('/')[0])) continue;
      const to = nodeOf(target.replace(/\.js$/, '.ts'));
      if (to === from) continue;
      const key = `${from}\t${to}`;
      if (!arrows.has(key)) arrows.set(key, []);
      arrows.get(key).push(`${rel} → ${spec}`);
    }
  }
  return arrows;
}

/** Every cycle's nodes, found by depth-first search over the folder graph. */
export function cycles(arrows) {
  const next = new Map();
  for (const key of arrows.keys()) {
    const [from, to] = key.split('\t');
    if (!next.has(from)) next.set(from, []);
    next.get(from).push(to);
  }
  const found = [];
  const state = new Map(); // 1 on the stack, 2 done
  const stack = [];
  const visit = (n) => {
    state.set(n, 1);
    stack.push(n);
    for (const m of next.get(n) ?? []) {
      if (state.get(m) === 1) found.push([...stack.slice(stack.indexOf(m)), m]);
      else if (!state.has(m)) visit(m);
    }
    stack.pop();
    state.set(n, 2);
  };
  for (const n of [...next.keys()].sort()) if (!state.has(n)) visit(n);
  return found;
}

function main() {
  const args = process.argv.slice(2);
  const at = args.indexOf('--root');
  const root = at >= 0 ? resolve(args[at + 1] ?? '.') : resolve(dirname(fileURLToPath(import.meta.url)), '..');
  const arrows = importGraph(root);
  const keys = [...arrows.keys()].sort();
  // One line per importing folder: its targets with the number of imports (non-test files).
  console.log('folder       → imports (count)');
  const byFrom = new Map();
  for (const key of keys) {
    const [from, to] = key.split('\t');
    byFrom.set(from, [...(byFrom.get(from) ?? []), `${to} ${arrows.get(key).length}`]);
  }
  for (const [from, targets] of byFrom) console.log(`${from.padEnd(12)} → ${targets.join(', ')}`);
  const problems = [];
  for (const key of keys) {
    const [from, to] = key.split('\t');
    const why = FORBIDDEN[from]?.[to];
    if (why)
      problems.push(
        `forbidden arrow ${from} → ${to}: ${why}\n${arrows
          .get(key)
          .map((s) => `    ${s}`)
          .join('\n')}`,
      );
  }
  for (const c of cycles(arrows)) problems.push(`cycle: ${c.join(' → ')}`);
  if (problems.length > 0) {
    for (const p of problems) console.error(p);
    process.exit(1);
  }
  console.log('no cycle, no forbidden arrow');
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
