// pkg's virtual file system (SEA mode, @yao-pkg/pkg 6.23) answers paths given as strings only: a file: URL
// such as `readFileSync(new URL('../package.json', import.meta.url))` (agent/version.ts) misses the files
// inside the executable, though Node's fs accepts URLs. This turns a URL argument into its path for the fs
// functions that read, before the application is imported. Only the executable's entry loads this.
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { fileURLToPath } from 'node:url';

const READERS = ['readFileSync', 'existsSync', 'statSync', 'readdirSync', 'readFile', 'createReadStream'];
const PROMISE_READERS = ['readFile', 'stat', 'readdir'];

function pathArgs(target, names) {
  for (const name of names) {
    const original = target[name];
    if (typeof original !== 'function') continue;
    target[name] = function (path, ...rest) {
      return original.call(this, path instanceof URL ? fileURLToPath(path) : path, ...rest);
    };
  }
}

pathArgs(fs, READERS);
pathArgs(fs.promises, PROMISE_READERS);
// `import { readFileSync } from 'node:fs'` in modules loaded from now on sees the wrapped functions.
syncBuiltinESMExports();
