// `counter-agent simulate-platform` (wired by the CLI): runs the simulator until SIGINT/SIGTERM.
//   --port N (default 8091, 0 = ephemeral)  --db FILE (required)
//   --latency MS  --fail5xx RATE  --timeouts RATE  --malformed RATE  --lost RATE
//   --store CODE:NAME:ADMDVS (repeatable) a store the platform knows besides the demo ones: a provisioned box's own

import type { Faults } from './faults.js';
import { type SimulatorHandle, startSimulator } from './index.js';

export const DEFAULT_SIMULATOR_PORT = 8091;

const FAULT_FLAGS: Readonly<Record<string, keyof Faults>> = {
  '--latency': 'latencyMs',
  '--fail5xx': 'rate5xx',
  '--timeouts': 'rateTimeout',
  '--malformed': 'rateMalformed',
  '--lost': 'rateLostAfterCommit',
};

export interface SimulatorCliArgs {
  port: number;
  dbPath: string;
  faults: Faults;
  /** Only when --store was given. */
  stores?: { code: string; name: string; admdvs: string }[];
}

/** Throws an Error naming the flag when the arguments are wrong. */
export function parseSimulatorArgs(argv: readonly string[]): SimulatorCliArgs {
  let port = DEFAULT_SIMULATOR_PORT;
  let dbPath: string | undefined;
  const faults: Record<string, number> = {};
  const stores: { code: string; name: string; admdvs: string }[] = [];
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    const value = argv[i + 1];
    if (value === undefined || value.startsWith('--')) throw new Error(`simulate-platform: ${flag} needs a value`);
    i++;
    if (flag === '--db') {
      dbPath = value;
    } else if (flag === '--port') {
      port = Number(value);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`simulate-platform: --port must be 0–65535, got ${value}`);
    } else if (flag === '--store') {
      const m = /^([0-9A-Z]{12}):([^:]+):([0-9]{6})$/.exec(value);
      if (!m) throw new Error(`simulate-platform: --store must be CODE:NAME:ADMDVS (12 capitals or digits, a name, 6 digits), got ${value}`);
      stores.push({ code: m[1]!, name: m[2]!, admdvs: m[3]! });
    } else if (flag in FAULT_FLAGS) {
      const n = Number(value);
      if (value.trim() === '' || !Number.isFinite(n)) throw new Error(`simulate-platform: ${flag} must be a number, got ${value}`);
      faults[FAULT_FLAGS[flag]!] = n;
    } else {
      throw new Error(`simulate-platform: unknown option ${flag} (expected --port, --db, --latency, --fail5xx, --timeouts, --malformed, --lost, --store)`);
    }
  }
  if (dbPath === undefined) throw new Error('simulate-platform: --db FILE is required');
  return { port, dbPath, faults: faults as Faults, ...(stores.length ? { stores } : {}) };
}

export interface SimulatorCliOptions {
  /** Where the URL line goes (default stdout). */
  out?: (line: string) => void;
  /** Close on SIGINT/SIGTERM (default true; tests pass false). */
  handleSignals?: boolean;
}

/** Starts the simulator from command-line arguments and prints its callService URL. */
export async function runSimulatorCli(argv: readonly string[], opts: SimulatorCliOptions = {}): Promise<SimulatorHandle> {
  const args = parseSimulatorArgs(argv);
  const sim = await startSimulator({ port: args.port, dbPath: args.dbPath, faults: args.faults, ...(args.stores ? { stores: args.stores } : {}) });
  (opts.out ?? ((l: string) => process.stdout.write(`${l}\n`)))(sim.url);
  if (opts.handleSignals ?? true) {
    const stop = (): void => {
      void sim.close().then(() => process.exit(0));
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  }
  return sim;
}
