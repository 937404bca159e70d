// Small helpers shared by the packaging scripts.
import { spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';

/**
 * Runs a command; throws with its output when it fails. `quiet` keeps its output unless it fails and returns
 * its stdout (`combined`: stdout and stderr).
 */
export function run(cmd, args, { cwd, env, quiet = false, combined = false } = {}) {
  const r = spawnSync(cmd, args, { cwd, env: env ?? process.env, encoding: 'utf8', stdio: quiet ? 'pipe' : ['ignore', 'inherit', 'inherit'], maxBuffer: 64 * 1024 * 1024 });
  if (r.error) throw new Error(`${cmd}: ${r.error.message}`);
  if (r.status !== 0) {
    const output = quiet ? `\n${r.stdout ?? ''}${r.stderr ?? ''}`.trimEnd() : '';
    throw new Error(`${cmd} ${args.join(' ')} exited with ${r.status ?? r.signal}${output}`);
  }
  return combined ? `${r.stdout ?? ''}${r.stderr ?? ''}` : (r.stdout ?? '');
}

/** A file's size in bytes. */
export function sizeOf(path) {
  return statSync(path).size;
}

/** Progress on stderr, so that stdout carries only the final JSON summary. */
export function step(message) {
  process.stderr.write(`[package] ${message}\n`);
}
