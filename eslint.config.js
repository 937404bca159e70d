import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  // out/: build output (npm run package), with better-sqlite3's sources unpacked in out/cache while it compiles.
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'out/**', 'test-results/**', 'data/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off',
    },
  },
  {
    // The pages are plain browser scripts (no build step).
    files: ['agent/web/pages/**/*.js', 'hq/pages/**/*.js'],
    languageOptions: { sourceType: 'script', globals: { ...globals.browser } },
  },
  {
    // DESIGN 3: hardware adapters know nothing of sales, the ledger or the platform.
    files: ['device/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['**/agent/**', '**/sync/**'], message: 'device/ must not import agent/ or sync/' }] }],
    },
  },
  {
    // DESIGN 3: the domain never imports sync/ — sync/ implements the ports the domain defines. Only the
    // composition root (app.ts), the platform wiring (platform.ts) and the CLI wire sync/ in; tests may use it
    // (the simulator is a test party). `npm run arch` checks the same arrows for the whole folder graph.
    files: ['agent/**/*.ts'],
    ignores: ['agent/app.ts', 'agent/platform.ts', 'agent/cli/**', '**/*.test.ts', '**/*.test-helpers.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/sync/**'],
              message: 'agent/ must not import sync/ (only app.ts, platform.ts and cli/ do): define a port in agent/ and implement it in sync/',
            },
          ],
        },
      ],
    },
  },
  {
    // DESIGN 3: the domain core (trace codes, rules, ledger) imports no web layer, device or HTTP client (nor sync/).
    files: ['agent/tracecode/**/*.ts', 'agent/ledger/**/*.ts', 'agent/rules/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/web/**', '**/device/**', '**/sync/client*', 'fastify', 'undici'],
              message: 'the domain core must not depend on the web layer, devices or the HTTP client',
            },
            {
              group: ['**/sync/**'],
              message: 'agent/ must not import sync/ (only app.ts, platform.ts and cli/ do): define a port in agent/ and implement it in sync/',
            },
          ],
        },
      ],
    },
  },
  {
    // common/ is pure helpers every side imports: it imports none of them, and does no I/O.
    files: ['common/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['**/agent/**', '**/sync/**', '**/device/**', '**/config/**'], message: 'common/ must not import agent/, sync/, device/ or config/' },
            {
              group: ['node:fs', 'node:fs/*', 'fs', 'node:net', 'node:child_process', 'better-sqlite3', 'serialport'],
              message: 'common/ holds pure helpers: no I/O',
            },
          ],
        },
      ],
    },
  },
);
