import type { LoadedConfig } from '../../config/index.js';
import { startAgent } from '../app.js';
import { createLogger } from '../log.js';
import { serviceStatusLine } from '../service/status-line.js';
import { systemdService } from '../service/systemd.js';

/** Runs the box until SIGINT/SIGTERM. */
export async function runCommand(loaded: LoadedConfig): Promise<number> {
  const log = createLogger(loaded.config.log.level);
  // Type=notify: READY=1 only once startAgent has the ledger, sync and web server up; no-op outside systemd.
  const systemd = systemdService({ log });
  systemd.status('starting: ledger, platform sync, cameras, web server');
  let agent: Awaited<ReturnType<typeof startAgent>>;
  try {
    agent = await startAgent({ config: loaded.config, demo: loaded.demo, log });
  } catch (err) {
    systemd.status(`failed to start: ${(err as Error).message}`);
    await systemd.flush(3000);
    throw err;
  }
  systemd.ready(() => serviceStatusLine(agent));
  if (loaded.demo) {
    console.error(
      [
        '',
        `  counter-agent demo mode — ${loaded.config.store.name}`,
        `  API:          ${agent.url}/api/health`,
        `  demo manager token (Authorization: Bearer …): ${agent.demoToken}`,
        `  counter page: ${agent.url}/counter   manager page: ${agent.url}/manager`,
        ...(agent.demoAccounts
          ? [
              `  demo sign-in (new secrets on every demo start):`,
              `    manager  password ${agent.demoAccounts.manager.password}`,
              `    cashier  PIN      ${agent.demoAccounts.cashier.pin}`,
            ]
          : []),
        `  data:         ${loaded.config.dataDir}`,
        ...simulatedDevices(agent),
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
  systemd.stopping();
  await agent.close();
  await systemd.flush(3000);
  return 0;
}

/** Where a person can type into the simulated scanner, and how to place a card on the simulated reader. */
function simulatedDevices(agent: Awaited<ReturnType<typeof startAgent>>): string[] {
  const lines: string[] = [];
  for (const s of agent.devices.statuses()) {
    const d = agent.devices.get(s.id) as { ptyPath?: string } | undefined;
    if (s.kind === 'scanner' && d?.ptyPath)
      lines.push(`  scanner ${s.id}: printf '81000040000000000002\\r' > ${d.ptyPath}   (or POST /api/devices/${s.id}/scan)`);
    if (s.kind === 'id_reader') lines.push(`  ID reader ${s.id}: POST /api/devices/${s.id}/card {"idNumber": "130102196205120319"}`);
  }
  return lines;
}
