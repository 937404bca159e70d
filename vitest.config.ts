import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['{agent,common,config,sync,device,test}/**/*.test.ts'],
    // Tests touch real SQLite files and spawn the CLI; give slow CI machines room.
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
