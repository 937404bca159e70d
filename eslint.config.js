import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

export default tseslint.config(
  // out/: build output (npm run package), with better-sqlite3's sources unpacked in out/cache while it compiles.
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'out/**'] },
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
    files: ['agent/web/pages/**/*.js'],
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
    // DESIGN 3: the domain core (trace codes, rules, ledger) imports no web layer, device or HTTP client.
    files: ['agent/tracecode/**/*.ts', 'agent/ledger/**/*.ts', 'agent/rules/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [{ group: ['**/web/**', '**/device/**', '**/sync/client*', 'fastify', 'undici'], message: 'the domain core must not depend on the web layer, devices or the HTTP client' }],
      }],
    },
  },
);
