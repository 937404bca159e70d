import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ConfigError, type LoadedConfig, loadConfig } from '../../config/index.js';
import { hqCli } from '../../hq/cli.js';
import { hqWorkerArgv, isHqWorker, leaveCluster } from '../../hq/workers.js';
import { runSimulatorCli } from '../../sync/simulator/cli.js';
import { VERSION } from '../version.js';
import { doctorCommand, liveScanCheck } from './doctor.js';
import { importCatalogCommand } from './import-catalog.js';
import { provisionCli } from './provision.js';
import { runCommand } from './run.js';
import { verifyLedgerCommand } from './verify-ledger.js';

const HELP = `counter-agent ${VERSION} — the pharmacy counter box (trace codes, checkout rules, ledger, platform sync)

Usage: counter-agent <command> [options]

Commands:
  run [--config FILE]                    start the box (demo mode with an embedded simulator when no config is given)
  doctor [--config FILE] [--json]        check config, ledger, scanners and readers, disk, cameras, recording, video retention,
                                         platform sign-in and clock, outbox; exit 0 ok, 1 warnings, 2 failures
  doctor --scan SECONDS [--config FILE]  live check: prints what each configured scanner sends (GS shown as <GS>)
  provision --store-code … --admdvs … --platform-url https://… --manager-user … [--dry-run]
                                         set this machine up as a box: user, dirs, config, udev rules, units, first manager,
                                         service enabled and started; idempotent (provision --help for every flag)
  verify-ledger [--config FILE] [--anchor] [--head SEQ:HASH]  re-walk the ledger's hash chain and stock invariants; exit 1
                                         naming the first broken event; --anchor also compares the chain with the chain HQ's
                                         copy (hq.url); --head checks a head printed on a daily report (账本链头) is still there
  import-catalog FILE.csv [--config FILE] import the product catalogue from a CSV (UTF-8 or GB18030)
  simulate-platform --db FILE [--port N] [--latency MS] [--fail5xx RATE] [--timeouts RATE] [--malformed RATE] [--lost RATE] [--store CODE:NAME:ADMDVS]
                                         run the provincial platform simulator (default port 8091)
  hq serve|migrate|enrol-code|revoke|unflag …  the chain headquarters on PostgreSQL (counter-agent hq --help)

Options:
  --config FILE   config file (YAML); default: $COUNTER_AGENT_CONFIG, else demo mode
  -h, --help      this help
  -v, --version   print the version

Exit codes: 0 ok, 1 the check found a problem, 2 the command could not run (bad config, missing file).`;

export interface CliIo {
  out: (line: string) => void;
  err: (line: string) => void;
}

const stdio: CliIo = { out: (l) => console.log(l), err: (l) => console.error(l) };

/** Runs one CLI command and returns the process exit code. */
export async function runCli(given: string[], io: CliIo = stdio): Promise<number> {
  // An `hq serve --workers` worker runs its primary's command line, handed over in its environment (hq/workers.ts).
  const argv = hqWorkerArgv() ?? given;
  // A worker that stops for any reason lets go of the primary (its IPC channel would keep the process alive).
  if (isHqWorker()) return runCommandLine(argv, io).finally(leaveCluster);
  return runCommandLine(argv, io);
}

async function runCommandLine(argv: string[], io: CliIo): Promise<number> {
  // provision has flags of its own (one per config key it can set).
  if (argv[0] === 'provision') return provisionCli(argv.slice(1), io);
  // The chain HQ is its own program with its own flags (no box config).
  if (argv[0] === 'hq') return hqCli(argv.slice(1), io);
  if (argv[0] === 'simulate-platform') {
    // Its flags are its own (fault rates); it reads no config.
    try {
      await runSimulatorCli(argv.slice(1));
      await new Promise(() => {}); // serves until SIGINT/SIGTERM (handled by the simulator CLI)
    } catch (err) {
      io.err(`counter-agent ${(err as Error).message}`);
      return 2;
    }
  }
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        config: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'v' },
        json: { type: 'boolean' },
        scan: { type: 'string' },
        anchor: { type: 'boolean' },
        head: { type: 'string' },
      },
    });
  } catch (err) {
    io.err(`counter-agent: ${(err as Error).message}\n\n${HELP}`);
    return 2;
  }
  const { values, positionals } = parsed;
  const [command, ...rest] = positionals;
  if (values.version) {
    io.out(VERSION);
    return 0;
  }
  if (values.help || command === undefined || command === 'help') {
    io.out(HELP);
    return 0;
  }
  const config = (): LoadedConfig => loadConfig(values.config !== undefined ? { path: values.config } : {});
  try {
    switch (command) {
      case 'run':
        return await runCommand(config());
      case 'doctor':
        if (values.scan !== undefined) {
          const seconds = Number(values.scan);
          if (!Number.isInteger(seconds) || seconds < 1 || seconds > 3600) {
            io.err(`counter-agent doctor: --scan takes a number of seconds (1–3600), got ${values.scan}`);
            return 2;
          }
          return await liveScanCheck(config(), io, seconds);
        }
        return await doctorCommand(config(), io, values.json === true);
      case 'verify-ledger':
        return await verifyLedgerCommand(config(), io, values.json === true, values.anchor === true, values.head);
      case 'import-catalog': {
        const file = rest[0];
        if (!file) {
          io.err('counter-agent import-catalog: name the CSV file, e.g. counter-agent import-catalog products.csv');
          return 2;
        }
        let bytes: Buffer;
        try {
          bytes = readFileSync(file);
        } catch (err) {
          io.err(`counter-agent import-catalog: cannot read ${file}: ${(err as Error).message}`);
          return 2;
        }
        return importCatalogCommand(config(), bytes, file, io);
      }
      default:
        io.err(`counter-agent: unknown command "${command}"\n\n${HELP}`);
        return 2;
    }
  } catch (err) {
    if (err instanceof ConfigError) {
      io.err(err.message);
      return 2;
    }
    io.err(`counter-agent ${command}: ${(err as Error).message}`);
    return 2;
  }
}
