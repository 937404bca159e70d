// `counter-agent provision`: turns a machine with the program installed into a working box — service
// user, directories, config, udev rules, units, the first manager account, the service enabled and
// started. Idempotent: a second run computes an empty plan and says so. --dry-run prints the plan only.
//
// Everything is read and written under --root (default /) so tests provision a temporary directory;
// every system action goes through the SystemPort (provision-system.ts).

import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { type Config, ConfigError, parseConfig } from '../../config/index.js';
import { AccountError, AccountStore } from '../accounts/store.js';
import { Ledger } from '../ledger/index.js';
import type { CliIo } from './main.js';
import { CONFIG_FLAGS, editConfig, keyName, missingFlags, renderConfig, unsafeSettings, withFlagHint } from './provision-config.js';
import { type FoundDevices, findDevices, knownDevicesFromRules } from './provision-devices.js';
import { type Change, CONFIG_PATH, computePlan, findSystemdSources, type PackageFile, packageFiles } from './provision-plan.js';
import { noPrompter, type Prompter, terminalPrompter } from './provision-prompt.js';
import { realSystem, type SystemPort } from './provision-system.js';

export interface ProvisionOptions {
  /** Every path is taken under this directory; default '/'. */
  root: string;
  dryRun: boolean;
  /** Overwrite config keys that differ from the flags (otherwise the existing config is kept). */
  forceConfig: boolean;
  /** Accept an http:// platform URL. */
  insecure: boolean;
  /** Config values by flag name (without --). */
  answers: Record<string, string>;
  managerUser?: string;
  managerPasswordFile?: string;
  system: SystemPort;
  prompter: Prompter;
  io: CliIo;
  /** The package's systemd/ folder; default: found beside the program. */
  systemdDir?: string;
  clock?: () => Date;
}

/** A refusal: every line is printed, the command exits 2. */
class ProvisionError extends Error {
  constructor(readonly lines: string[]) {
    super(lines.join('\n'));
  }
}

const SECRET_KEYS = /^(\s*(?:privateKeyHex|sm4KeyHex|password):\s*).+$/;
const masked = (text: string) => text.split('\n').map((l) => l.replace(SECRET_KEYS, '$1（不显示）'));

async function readIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new ProvisionError([`无法读取 ${path}：${(err as Error).message}（请用 sudo 运行）`]);
  }
}

/** Parses config text as the service will; problems name the key and the flag that set it. */
function checkConfig(text: string, what: string): Config {
  try {
    return parseConfig(text, CONFIG_PATH, dirname(CONFIG_PATH));
  } catch (err) {
    if (err instanceof ConfigError) throw new ProvisionError([`${what}无效：`, ...err.problems.map((p) => `  - ${withFlagHint(p)}`)]);
    throw err;
  }
}

/** Asks for each missing flag on a terminal, or names them all when nobody can answer. */
async function completeAnswers(answers: Record<string, string>, prompter: Prompter): Promise<Record<string, string>> {
  const a = { ...answers };
  if (!prompter.interactive) {
    const missing = missingFlags(a);
    if (missing.length > 0) {
      throw new ProvisionError([
        `缺少参数：${missing.map((f) => `--${f.flag}（${keyName(f)}）`).join('、')}`,
        '请在命令行给出这些参数，或在终端中运行 provision 逐项回答。',
      ]);
    }
    return a;
  }
  for (let f = missingFlags(a)[0]; f; f = missingFlags(a)[0]) {
    const answer = await prompter.ask(`${f.question ?? keyName(f)}（--${f.flag}）`, { secret: f.secret === true });
    if (answer === '') throw new ProvisionError([`--${f.flag}（${keyName(f)}）不能为空`]);
    a[f.flag] = answer;
  }
  return a;
}

interface ConfigDecision {
  text: string;
  config: Config;
  /** The existing config differs from the flags and was kept (no --force-config). */
  kept: string[];
  devices?: FoundDevices;
}

async function decideConfig(o: ProvisionOptions, rules: PackageFile | undefined): Promise<ConfigDecision> {
  const existing = await readIfExists(join(o.root, CONFIG_PATH));
  if (existing !== undefined) {
    let valid = true;
    try {
      parseConfig(existing, CONFIG_PATH, dirname(CONFIG_PATH));
    } catch (err) {
      if (!(err instanceof ConfigError) || !o.forceConfig) {
        throw new ProvisionError([
          `现有配置 ${CONFIG_PATH} 无效：`,
          ...(err instanceof ConfigError ? err.problems.map((p) => `  - ${p}`) : [`  - ${(err as Error).message}`]),
          '请修改该文件后再运行，或加 --force-config 用参数重新生成。',
        ]);
      }
      valid = false;
    }
    if (valid) {
      const edit = editConfig(existing, o.answers);
      if (edit.differences.length > 0 && !o.forceConfig) {
        return { text: existing, config: checkConfig(existing, `现有配置 ${CONFIG_PATH} `), kept: edit.differences };
      }
      return { text: edit.text, config: checkConfig(edit.text, '修改后的配置'), kept: [] };
    }
  }
  const answers = await completeAnswers(o.answers, o.prompter);
  const unsafe = unsafeSettings(answers, o.insecure);
  if (unsafe.length > 0) throw new ProvisionError(unsafe);
  const devices = await findDevices(o.root, knownDevicesFromRules(rules?.content.toString('utf8') ?? ''));
  const text = renderConfig(answers, devices, (o.clock ?? (() => new Date()))());
  return { text, config: checkConfig(text, '生成的配置'), kept: [], devices };
}

async function managerPassword(o: ProvisionOptions): Promise<string | undefined> {
  let password: string;
  if (o.managerPasswordFile !== undefined) {
    const text = await readFile(o.managerPasswordFile, 'utf8').catch((err: Error) => {
      throw new ProvisionError([`无法读取 --manager-password-file ${o.managerPasswordFile}：${err.message}`]);
    });
    password = text.replace(/\r?\n$/, '');
  } else if (!o.prompter.interactive) {
    throw new ProvisionError(['缺少参数 --manager-password-file：第一个店长账号需要密码（放在只有 root 可读的文件中；密码不能写在命令行上）']);
  } else if (o.dryRun) {
    return undefined; // asked when the plan is carried out
  } else {
    password = await o.prompter.ask('第一个店长的密码（8–128 个字符）', { secret: true });
    if ((await o.prompter.ask('再输入一次', { secret: true })) !== password) throw new ProvisionError(['两次输入的密码不一致，未做任何更改']);
  }
  return password;
}

/** The account rules are AccountStore's own: tried on a scratch ledger in memory before anything changes. */
async function checkManager(username: string, password: string): Promise<void> {
  const scratch = Ledger.open(':memory:');
  try {
    await new AccountStore(scratch.db).create({ username, role: 'manager', password });
  } catch (err) {
    if (err instanceof AccountError) throw new ProvisionError([`店长账号 ${username} 不能创建：${err.message}（--manager-user / --manager-password-file）`]);
    throw err;
  } finally {
    scratch.close();
  }
}

function printDevices(io: CliIo, d: FoundDevices): void {
  const found = [...d.scanners.map((s) => `扫码枪 ${s.seen}`), ...d.idReaders.map((r) => `读卡器 ${r.seen}`)];
  io.out(found.length === 0 ? '未发现扫码枪或读卡器（插上后编辑配置中的 scanners[] / idReaders[]）' : `发现设备，已写入配置：${found.join('；')}`);
  for (const s of d.skipped) io.out(`  未加入：${s.seen}（${s.why}）`);
}

async function carryOut(o: ProvisionOptions, changes: Change[], password: string | undefined): Promise<void> {
  for (const c of changes) {
    try {
      await c.run({ ...(password === undefined ? {} : { managerPassword: password }) });
    } catch (err) {
      throw new ProvisionError([`✗ ${c.text}`, `  失败：${(err as Error).message}`, '已完成的步骤保留；排除问题后重新运行 provision 即可继续。']);
    }
    o.io.out(`✓ ${c.text}`);
  }
}

export async function provision(o: ProvisionOptions): Promise<number> {
  try {
    const early = unsafeSettings(o.answers, o.insecure);
    if (early.length > 0) throw new ProvisionError(early);
    const sources = findSystemdSources(o.systemdDir);
    const pkg = await packageFiles(o.root, sources);
    if (pkg.problems.length > 0) throw new ProvisionError(pkg.problems);

    const decided = await decideConfig(
      o,
      pkg.files.find((f) => f.dest.endsWith('99-counter-agent.rules')),
    );
    if (decided.kept.length > 0) {
      o.io.out(`现有配置 ${CONFIG_PATH} 与参数不同，保留现有配置（要改用参数中的值，请加 --force-config）：`);
      for (const d of decided.kept) o.io.out(`  ${d}`);
    }
    if (decided.devices) printDevices(o.io, decided.devices);
    if (/^http:/i.test(decided.config.platform.url ?? '')) o.io.out(`注意：platform.url ${decided.config.platform.url} 未使用 TLS（--insecure）`);

    const planInput = { root: o.root, sys: o.system, files: pkg.files, configText: decided.text, config: decided.config, configPreview: masked(decided.text) };
    let managerUser = o.managerUser;
    let plan = await computePlan({ ...planInput, managerUser });
    if (plan.needsManagerUser) {
      if (!o.prompter.interactive)
        throw new ProvisionError(['缺少参数 --manager-user：台账中还没有店长账号，请给出第一个店长的用户名（及 --manager-password-file）']);
      managerUser = await o.prompter.ask('第一个店长的用户名（字母开头，2–32 位字母、数字或 _ . -）');
      plan = await computePlan({ ...planInput, managerUser });
    }
    const manager = plan.changes.find((c) => c.createsManager)?.createsManager;
    const password = manager ? await managerPassword(o) : undefined;
    if (manager && password !== undefined) await checkManager(manager.username, password);

    if (plan.changes.length === 0) {
      o.io.out(`无需更改（nothing to change）：${o.root === '/' ? '本机' : o.root} 已按配置就绪。`);
    } else if (o.dryRun) {
      o.io.out(`--dry-run：需要以下 ${plan.changes.length} 项更改（均未执行）：`);
      for (const c of plan.changes) {
        o.io.out(`  - ${c.text}`);
        for (const line of c.detail ?? []) o.io.out(`      | ${line}`);
      }
    } else {
      await carryOut(o, plan.changes, password);
      o.io.out(`完成：${plan.changes.length} 项更改。用 counter-agent doctor 检查本机。`);
    }
    return decided.kept.length > 0 ? 1 : 0;
  } catch (err) {
    if (err instanceof ProvisionError) {
      for (const line of err.lines) o.io.err(line);
      return 2;
    }
    throw err;
  }
}

// ---------------------------------------------------------------------------------------------
// Command line

export const PROVISION_HELP = `counter-agent provision — set this machine up as a counter box (idempotent)

  --store-code CODE --store-name NAME --admdvs AREA [--pharmacist-name NAME --pharmacist-cert-no NO]
  --platform-url https://… --platform-signing-mode none|sm2|sm2+sm4
  [--platform-signing-private-key-hex HEX] [--platform-signing-platform-public-key-hex HEX]
  [--platform-signing-sm4-key-hex HEX] [--platform-signing-public-key-hex HEX] [--platform-dev-no NO]
  [--platform-recer-sys-code CODE] [--http-host ADDR] [--http-port N] [--video-dir DIR] [--retention-days N (≥ 365)] [--insecure]
  --manager-user NAME --manager-password-file FILE     the first manager (password never on the command line)
  [--dry-run] [--force-config] [--root DIR]

Missing values are asked for on a terminal; without one, the missing flags are named.`;

export async function provisionCli(argv: string[], io: CliIo): Promise<number> {
  const options: Record<string, { type: 'string' | 'boolean' }> = {
    root: { type: 'string' },
    'dry-run': { type: 'boolean' },
    'force-config': { type: 'boolean' },
    insecure: { type: 'boolean' },
    'manager-user': { type: 'string' },
    'manager-password-file': { type: 'string' },
    help: { type: 'boolean' },
  };
  for (const f of CONFIG_FLAGS) options[f.flag] = { type: 'string' };
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({ args: argv, options, allowPositionals: false }));
  } catch (err) {
    io.err(`counter-agent provision: ${(err as Error).message}\n\n${PROVISION_HELP}`);
    return 2;
  }
  if (values.help) {
    io.out(PROVISION_HELP);
    return 0;
  }
  const root = resolve((values.root as string | undefined) ?? '/');
  const dryRun = values['dry-run'] === true;
  if (!dryRun && root !== '/') {
    // systemctl, udevadm and useradd act on this machine whatever the root: only a dry run may look elsewhere.
    io.err('counter-agent provision: --root 只能与 --dry-run 一起使用（系统操作总是作用于本机）');
    return 2;
  }
  if (!dryRun && process.getuid?.() !== 0) {
    io.err('counter-agent provision: 需要 root 权限，请用 sudo 运行（或先加 --dry-run 查看将做的更改）');
    return 2;
  }
  const answers: Record<string, string> = {};
  for (const f of CONFIG_FLAGS) if (typeof values[f.flag] === 'string') answers[f.flag] = values[f.flag] as string;
  const prompter = terminalPrompter();
  try {
    return await provision({
      root,
      dryRun,
      forceConfig: values['force-config'] === true,
      insecure: values.insecure === true,
      answers,
      ...(typeof values['manager-user'] === 'string' ? { managerUser: values['manager-user'] } : {}),
      ...(typeof values['manager-password-file'] === 'string' ? { managerPasswordFile: values['manager-password-file'] } : {}),
      system: realSystem,
      prompter: prompter.interactive ? prompter : noPrompter,
      io,
    });
  } catch (err) {
    io.err(`counter-agent provision: ${(err as Error).message}`);
    return 2;
  } finally {
    prompter.close?.();
  }
}
