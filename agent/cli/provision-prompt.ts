// Questions on the terminal for `counter-agent provision` when a flag is missing. One readline for the
// whole session (a pasted block of answers is read line by line, not lost with a closed interface);
// secrets (password, private keys) are typed with the echo switched off.

import { createInterface, type Interface } from 'node:readline/promises';
import { Writable } from 'node:stream';

export interface Prompter {
  /** True when a person can answer (stdin and stdout are a terminal). */
  readonly interactive: boolean;
  ask(question: string, opts?: { secret?: boolean }): Promise<string>;
  close?(): void;
}

/** Nobody to ask: provision then names the missing flags instead. */
export const noPrompter: Prompter = {
  interactive: false,
  ask: () => Promise.reject(new Error('no terminal to ask on')),
};

export function terminalPrompter(): Prompter {
  const interactive = process.stdin.isTTY === true && process.stdout.isTTY === true;
  let muted = false;
  // readline echoes what is typed through this stream; muted while a secret is typed.
  const echo = new Writable({
    write(chunk: Buffer, _enc, done) {
      if (!muted) process.stdout.write(chunk);
      done();
    },
  });
  let rl: Interface | undefined;
  // Lines are queued as they arrive, so answers pasted ahead of their question are kept for it.
  let lines: AsyncIterator<string> | undefined;
  return {
    interactive,
    async ask(question, opts = {}) {
      if (!interactive) throw new Error('no terminal to ask on');
      rl ??= createInterface({ input: process.stdin, output: echo, terminal: true });
      lines ??= rl[Symbol.asyncIterator]();
      process.stdout.write(`${question}：`);
      muted = opts.secret === true;
      try {
        const next = await lines.next();
        if (next.done) throw new Error('已取消，未做任何更改');
        return opts.secret ? next.value : next.value.trim();
      } finally {
        if (muted) process.stdout.write('\n');
        muted = false;
      }
    },
    close() {
      rl?.close();
    },
  };
}
