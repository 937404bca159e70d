import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['{agent,common,config,sync,device,hq,test}/**/*.test.ts'],
    // Tests touch real SQLite files and spawn the CLI; give slow CI machines room.
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // expect.poll's default is 1 s: the browser tests poll for what a page shows after a sign-in (scrypt, ~0.1 s
    // idle, seconds on a loaded 2-core CI machine) or a timer, and failed under load (issue 15:
    // manager-page-reports "serves the page and the bundled chart library"). 20 s covers the slowest run seen
    // (a loaded 2-core VM) and stays under testTimeout, so a real failure still fails. Chosen over a cheaper
    // test-only scrypt: production code keeps one set of parameters and no switch that could be left on.
    expect: { poll: { timeout: 20_000 } },
  },
});
