// Config loader: YAML text → validated Config with defaults, or a ConfigError listing every problem.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import { demoConfig } from './demo.js';
import { ConfigError } from './errors.js';
import type { Config } from './schema.js';
import { buildConfig } from './validate.js';

export const CONFIG_ENV = 'COUNTER_AGENT_CONFIG';
export const DEFAULT_DEMO_DATA_DIR = './data/demo';
/** Where `counter-agent provision` writes the config: a provisioned box never falls back to demo mode by mistake. */
export const SYSTEM_CONFIG_PATH = '/etc/counter-agent/config.yaml';

/** A key written with no value (`username:`) counts as absent, so its default applies. */
function dropNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(dropNulls);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (v !== null) out[k] = dropNulls(v);
    return out;
  }
  return value;
}

function parseYaml(yamlText: string, source: string): unknown {
  const doc = parseDocument(yamlText.replace(/^\uFEFF/, ''), {
    schema: 'failsafe',
    customTags: ['null'],
    prettyErrors: true, // computes linePos (and appends it and a source excerpt to the message)
  });
  if (doc.errors.length > 0) {
    const problems = doc.errors.map((e) => {
      const pos = e.linePos?.[0];
      const where = pos ? `line ${pos.line}, column ${pos.col}` : 'an unknown position';
      const first = (e.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '');
      return `YAML syntax error at ${where}: ${first}`;
    });
    throw new ConfigError(source, problems);
  }
  const data: unknown = doc.toJS({ maxAliasCount: 1000 });
  return data === null || data === undefined ? {} : dropNulls(data);
}

/**
 * Parse and validate YAML config text. `source` names it in errors (usually the file path);
 * relative paths (dataDir, video.dir) are resolved against `baseDir` (default: process.cwd()).
 */
export function parseConfig(yamlText: string, source: string, baseDir?: string): Config {
  return buildConfig(parseYaml(yamlText, source), source, resolve(baseDir ?? process.cwd()));
}

export interface LoadOptions {
  /** Config file (e.g. from `--config`); wins over the environment. */
  path?: string;
  /** Environment to read COUNTER_AGENT_CONFIG from; default process.env. */
  env?: Record<string, string | undefined>;
  /** Data directory for demo mode; default ./data/demo under process.cwd(). */
  demoDataDir?: string;
  /** The installed box's config, used when neither path nor env names one; default /etc/counter-agent/config.yaml. */
  systemPath?: string;
}

export interface LoadedConfig {
  config: Config;
  /** Absolute path of the file read, or "demo". */
  source: string;
  demo: boolean;
}

/** The config file from opts.path or COUNTER_AGENT_CONFIG; the demo config when neither is given. */
export function loadConfig(opts: LoadOptions = {}): LoadedConfig {
  const env = opts.env ?? process.env;
  let given = opts.path !== undefined && opts.path !== '' ? opts.path : env[CONFIG_ENV];
  if (given === undefined || given === '') {
    // On an installed box `counter-agent doctor` (no flags) must check the real config, not a demo one.
    const system = opts.systemPath ?? SYSTEM_CONFIG_PATH;
    if (existsSync(system)) given = system;
  }
  if (given === undefined || given === '') {
    return { config: demoConfig(opts.demoDataDir ?? DEFAULT_DEMO_DATA_DIR), source: 'demo', demo: true };
  }
  const file = resolve(given);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new ConfigError(file, [`cannot read ${file}: ${why}`]);
  }
  return { config: parseConfig(text, file, dirname(file)), source: file, demo: false };
}
