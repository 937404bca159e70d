import type { LoadedConfig } from '../../config/index.js';
import { startAgent } from '../app.js';
import { createLogger } from '../log.js';

/** Runs the box until SIGINT/SIGTERM. */
export async function runCommand(loaded: LoadedConfig): Promise<number> {
  const log = createLogger(loaded.config.log.level);
  const agent = await startAgent({ config: loaded.config, demo: loaded.demo, log });
  if (loaded.demo) {
    console.error(
      [
        '',
        `  counter-agent demo mode — ${loaded.config.store.name}`,
        `  API:          ${agent.url}/api/health`,
        `  demo manager token (Authorization: Bearer …): ${agent.demoToken}`,
        `  data:         ${loaded.config.dataDir}`,
        '  Stop with Ctrl+C.',
        '',
      ].join('\n'),
    );
  }
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  log.info('stopping');
  await agent.close();
  return 0;
}
