// The hang-up fix in hangup-binding.ts, on real ptys: a read on a tty whose far end has closed returns
// 0 bytes; upstream reads again forever (this test times out without the fix), the fix reports a disconnect.

import { join } from 'node:path';
import { SerialPort } from 'serialport';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openPtyPair } from '../pty.js';
import { tempDir } from '../scanner/scanner.test-helpers.js';
import { eofIsDisconnect } from './hangup-binding.js';

let tmp: ReturnType<typeof tempDir>;
beforeEach(() => {
  tmp = tempDir();
});
afterEach(() => tmp.cleanup());

describe('eofIsDisconnect', () => {
  it('closes the port with a disconnect when a read meets a hung-up pty (0 bytes), instead of spinning', async () => {
    const binding = eofIsDisconnect(SerialPort.binding);
    for (let round = 0; round < 5; round++) {
      const pair = await openPtyPair(join(tmp.dir, `a${round}`), join(tmp.dir, `b${round}`));
      const port = new SerialPort({ path: pair.a, baudRate: 9600, autoOpen: false, binding } as ConstructorParameters<typeof SerialPort>[0]);
      const closed = new Promise<Error | null | undefined>((resolve) => port.on('close', resolve));
      port.on('error', () => undefined);
      await new Promise<void>((resolve, reject) => port.open((e) => (e ? reject(e) : resolve())));
      await pair.close();
      // Start reading only now: the first read() meets the hung-up tty and gets 0 bytes.
      port.on('data', () => undefined);
      const timeout = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), 2000).unref());
      const result = await Promise.race([closed, timeout]);
      if (result === 'timeout' && port.isOpen) port.close();
      expect(result).not.toBe('timeout');
      expect((result as { disconnected?: boolean } | null)?.disconnected).toBe(true);
    }
  });
});
