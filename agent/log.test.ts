// Log lines reach the journal at their priority: under systemd (stdout is the journal stream JOURNAL_STREAM
// names) each JSON line carries sd-daemon's "<N>" prefix; elsewhere the lines stay plain JSON.
import { closeSync, fstatSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, expect, it } from 'vitest';
import { tempDir } from '../test/helpers.js';
import { createLogger, journalPriorityStream, stdoutIsJournal } from './log.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

it('knows stdout is the journal only when JOURNAL_STREAM names that very stream', () => {
  const fd = openSync(join(tmp.dir, 'out'), 'w');
  const other = openSync(join(tmp.dir, 'other'), 'w');
  try {
    const st = fstatSync(fd, { bigint: true });
    const stream = `${st.dev}:${st.ino}`;
    expect(stdoutIsJournal({ JOURNAL_STREAM: stream }, fd)).toBe(true);
    // A child of a service (another stdout, the variable inherited) and no variable at all: plain JSON.
    expect(stdoutIsJournal({ JOURNAL_STREAM: stream }, other)).toBe(false);
    expect(stdoutIsJournal({}, fd)).toBe(false);
  } finally {
    closeSync(fd);
    closeSync(other);
  }
});

it('prefixes each line with its syslog priority: error <3>, warning <4>, info <6>, debug <7>', () => {
  const lines: string[] = [];
  const sink = new Writable({ write: (c: Buffer, _e, cb) => (lines.push(c.toString()), cb()) });
  const log = pino({ level: 'debug' }, journalPriorityStream(sink));
  log.error('e');
  log.warn('w');
  log.info('i');
  log.debug('d');
  expect(lines.map((l) => l.slice(0, 3))).toEqual(['<3>', '<4>', '<6>', '<7>']);
  for (const l of lines) expect(JSON.parse(l.slice(3))).toHaveProperty('msg');
});

it('writes plain JSON lines to any other destination', () => {
  const lines: string[] = [];
  const log = createLogger('info', new Writable({ write: (c: Buffer, _e, cb) => (lines.push(c.toString()), cb()) }));
  log.warn('plain');
  expect(JSON.parse(lines[0]!)).toMatchObject({ level: 40, msg: 'plain', service: 'counter-agent' });
});
