// Small helpers shared by the packaging scripts.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Runs a command; throws with its output when it fails. `quiet` keeps its output unless it fails and returns
 * its stdout (`combined`: stdout and stderr).
 */
export function run(cmd, args, { cwd, env, quiet = false, combined = false } = {}) {
  const r = spawnSync(cmd, args, {
    cwd,
    env: env ?? process.env,
    encoding: 'utf8',
    stdio: quiet ? 'pipe' : ['ignore', 'inherit', 'inherit'],
    maxBuffer: 64 * 1024 * 1024,
  });
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

/**
 * Runs `fn` holding `<dir>/.lock`, so that builds sharing one cache (the amd64 and arm64 package tests run side by
 * side) never fetch, compile or seed the same files at once. The lock is a directory (mkdir is atomic) holding
 * the owner's pid; a lock whose process is gone is taken over.
 */
export async function withDirLock(dir, fn) {
  const lock = join(dir, '.lock');
  mkdirSync(dir, { recursive: true });
  for (let waited = 0; ; waited += 250) {
    try {
      mkdirSync(lock);
      writeFileSync(join(lock, 'pid'), String(process.pid));
      break;
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
      if (!ownerAlive(lock)) {
        rmSync(lock, { recursive: true, force: true });
        continue;
      }
      if (waited % 10_000 === 0) step(`waiting for another build using ${dir}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

function ownerAlive(lock) {
  let pid;
  try {
    pid = Number(readFileSync(join(lock, 'pid'), 'utf8'));
  } catch {
    // Just made, its pid not yet written: give it time (a lock left empty by a crash is taken over after 10 s).
    try {
      return Date.now() - statSync(lock).mtimeMs < 10_000;
    } catch {
      return false;
    }
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
}
