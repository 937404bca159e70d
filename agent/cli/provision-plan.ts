// The plan of `counter-agent provision`: every change the box needs, computed by comparing what should
// be there (package files, directories, config, user, manager account, service state) with what is.
// Nothing here changes anything: each change carries the text shown for it and the step that makes it,
// run later by provision.ts (or only printed, for --dry-run). A box that needs nothing gets an empty plan.

import { accessSync, constants, existsSync } from 'node:fs';
import { chmod, mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Config } from '../../config/index.js';
import { AccountStore } from '../accounts/store.js';
import { Ledger } from '../ledger/index.js';
import { ledgerPath } from '../paths.js';
import { readLedger } from './doctor-ledger.js';
import { DEFAULT_DATA_DIR } from './provision-config.js';
import type { Owner, SystemPort } from './provision-system.js';

export const SERVICE_USER = 'counter-agent';
export const SERVICE_UNIT = 'counter-agent.service';
export const CONFIG_PATH = '/etc/counter-agent/config.yaml';
export const VIDEO_DROP_IN = '/etc/systemd/system/counter-agent.service.d/video.conf';
const UNIT_DIR = '/lib/systemd/system';
const ROOT: Owner = { user: 'root', group: 'root' };
const SERVICE: Owner = { user: SERVICE_USER, group: SERVICE_USER };

export interface ApplyContext {
  /** The first manager's password, asked for only when the plan creates the manager. */
  managerPassword?: string;
}

export interface Change {
  /** What will be done, one line (Chinese, naming the path or command). */
  text: string;
  /** Shown under the line by --dry-run (the config file's content, secrets masked). */
  detail?: string[];
  /** What the service reads changed: a running service must restart. */
  affectsService?: boolean;
  createsManager?: { username: string };
  run(ctx: ApplyContext): Promise<void>;
}

/** A file the package ships, and where it is installed. */
export interface PackageFile {
  dest: string;
  content: Buffer;
}

const oct = (mode: number) => `0${(mode & 0o7777).toString(8)}`;
const ownerText = (o: Owner) => `${o.user}:${o.group}`;

// ---------------------------------------------------------------------------------------------
// The package's own files (units, udev rules, sysusers, tmpfiles)

/** Where the systemd/ folder of this program is: beside dist/ or the sources (a checkout), or given. */
export function findSystemdSources(given?: string): string | undefined {
  const candidates = given ? [given] : ['../../systemd/', '../../../systemd/'].map((rel) => fileURLToPath(new URL(rel, import.meta.url)));
  return candidates.find((dir) => existsSync(join(dir, '99-counter-agent.rules')));
}

/**
 * The package files to install. From the systemd/ folder when there is one; a binary installed from the
 * .deb has none beside it, and then the files the package put in place are the reference (only checked).
 */
export async function packageFiles(root: string, sourceDir: string | undefined): Promise<{ files: PackageFile[]; problems: string[] }> {
  const fixed: [string, string][] = [
    ['99-counter-agent.rules', '/lib/udev/rules.d/99-counter-agent.rules'],
    ['counter-agent.sysusers', '/usr/lib/sysusers.d/counter-agent.conf'],
    ['counter-agent.tmpfiles', '/usr/lib/tmpfiles.d/counter-agent.conf'],
  ];
  const files: PackageFile[] = [];
  const problems: string[] = [];
  const units = sourceDir
    ? (await readdir(sourceDir)).filter((n) => n.endsWith('.service')).map((n) => [n, `${UNIT_DIR}/${n}`] as [string, string])
    : (await readdir(join(root, UNIT_DIR)).catch(() => [] as string[]))
        .filter((n) => /^counter-agent.*\.service$/.test(n))
        .map((n) => [n, `${UNIT_DIR}/${n}`] as [string, string]);
  if (!units.some(([n]) => n === SERVICE_UNIT)) units.push([SERVICE_UNIT, `${UNIT_DIR}/${SERVICE_UNIT}`]);
  for (const [name, dest] of [...fixed, ...units]) {
    const from = sourceDir ? join(sourceDir, name) : join(root, dest);
    const content = await readFile(from).catch(() => undefined);
    if (content) files.push({ dest, content });
    else problems.push(sourceDir ? `安装包缺少 ${from}（应安装到 ${dest}）` : `${dest} 不存在，且找不到 systemd/ 源目录；请重新安装 counter-agent 软件包`);
  }
  return { files, problems };
}

// ---------------------------------------------------------------------------------------------
// Single changes

async function writeAtomically(abs: string, content: Buffer | string, mode: number): Promise<void> {
  await mkdir(dirname(abs), { recursive: true });
  const tmp = `${abs}.provision-tmp`;
  await writeFile(tmp, content, { mode });
  await chmod(tmp, mode);
  await rename(tmp, abs);
}

/** Write a file when absent or different, then fix its mode and owner; undefined when all is right. */
async function fileChange(
  root: string,
  sys: SystemPort,
  path: string,
  content: Buffer | string,
  mode: number,
  owner: Owner,
  extra: Partial<Change> = {},
): Promise<Change | undefined> {
  const abs = join(root, path);
  const want = Buffer.isBuffer(content) ? content : Buffer.from(content, 'utf8');
  const current = await readFile(abs).catch(() => undefined);
  const why: string[] = [];
  if (current === undefined) why.push(`新文件，${oct(mode)} ${ownerText(owner)}`);
  else {
    if (!current.equals(want)) why.push('内容不同');
    const st = await stat(abs);
    if ((st.mode & 0o7777) !== mode) why.push(`权限 ${oct(st.mode)} → ${oct(mode)}`);
    const own = await sys.ownerOf(abs);
    if (own && ownerText(own) !== ownerText(owner)) why.push(`属主 ${ownerText(own)} → ${ownerText(owner)}`);
  }
  if (why.length === 0) return undefined;
  const rewrite = current === undefined || !current.equals(want);
  return {
    text: `${rewrite ? '写入' : '修正'} ${path}（${why.join('，')}）`,
    ...extra,
    async run() {
      if (rewrite) await writeAtomically(abs, want, mode);
      else await chmod(abs, mode);
      await sys.chown(abs, owner);
    },
  };
}

/** Create a directory (createMode) when absent, and give it its owner. */
async function dirChange(root: string, sys: SystemPort, path: string, createMode: number, owner: Owner): Promise<Change | undefined> {
  const abs = join(root, path);
  if (!existsSync(abs)) {
    return {
      text: `创建目录 ${path}（${oct(createMode)} ${ownerText(owner)}）`,
      async run() {
        await mkdir(abs, { recursive: true, mode: createMode });
        await chmod(abs, createMode);
        await sys.chown(abs, owner);
      },
    };
  }
  const own = await sys.ownerOf(abs);
  if (!own || ownerText(own) === ownerText(owner)) return undefined;
  return { text: `修正目录 ${path} 的属主（${ownerText(own)} → ${ownerText(owner)}）`, run: () => sys.chown(abs, owner) };
}

/** True when `dir` is `base` or inside it. */
function inside(dir: string, base: string): boolean {
  const rel = relative(base, dir);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

/** An enabled manager in the ledger (none when there is no ledger, or no accounts table yet). */
function hasActiveManager(path: string): boolean {
  try {
    // existsSync says "no" for a file it may not look at: a non-root dry run must not plan a second manager.
    accessSync(dirname(path), constants.R_OK | constants.X_OK);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw new Error(`cannot read ${dirname(path)} to look for a manager account: ${(err as Error).message} (run with sudo)`);
  }
  if (!existsSync(path)) return false;
  return readLedger(path, (db) => {
    const table = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'users'").get();
    return table !== undefined && new AccountStore(db).list().some((u) => u.role === 'manager' && !u.disabled);
  });
}

function managerChange(root: string, sys: SystemPort, config: Config, username: string): Change {
  const path = ledgerPath(config);
  const abs = join(root, path);
  return {
    text: `创建第一个店长账号 ${username}（角色 manager，台账 ${path}）`,
    createsManager: { username },
    async run(ctx) {
      if (ctx.managerPassword === undefined) throw new Error('没有店长密码（--manager-password-file）');
      const ledger = Ledger.open(abs);
      try {
        await new AccountStore(ledger.db).create({ username, role: 'manager', password: ctx.managerPassword });
      } finally {
        ledger.close();
      }
      // Created by root here; the service (user counter-agent) must be able to write it.
      for (const f of [abs, `${abs}-wal`, `${abs}-shm`]) if (existsSync(f)) await sys.chown(f, SERVICE);
    },
  };
}

// ---------------------------------------------------------------------------------------------
// The plan

export interface PlanInput {
  root: string;
  sys: SystemPort;
  files: PackageFile[];
  /** The config text to have at CONFIG_PATH, and what it says. */
  configText: string;
  config: Config;
  /** The config text shown by --dry-run (secrets masked). */
  configPreview: string[];
  /** The manager to create when the ledger has none. */
  managerUser: string | undefined;
}

export interface Plan {
  changes: Change[];
  /** The ledger has no manager and no --manager-user was given. */
  needsManagerUser: boolean;
}

export async function computePlan(p: PlanInput): Promise<Plan> {
  const { root, sys, config } = p;
  const changes: Change[] = [];
  const add = (c: Change | undefined) => c && changes.push(c);
  const file = (dest: string) => p.files.find((f) => f.dest === dest);
  const installFile = async (f: PackageFile | undefined, extra: Partial<Change> = {}) =>
    f ? fileChange(root, sys, f.dest, f.content, 0o644, ROOT, extra) : undefined;

  const sysusers = file('/usr/lib/sysusers.d/counter-agent.conf');
  add(await installFile(sysusers));
  if (!(await sys.userExists(SERVICE_USER))) {
    const conf = join(root, '/usr/lib/sysusers.d/counter-agent.conf');
    add({ text: `创建系统用户和组 ${SERVICE_USER}（systemd-sysusers /usr/lib/sysusers.d/counter-agent.conf）`, run: () => sys.createUser(SERVICE_USER, conf) });
  }
  const tmpfiles = await installFile(file('/usr/lib/tmpfiles.d/counter-agent.conf'));
  if (tmpfiles) {
    add(tmpfiles);
    add({
      text: 'systemd-tmpfiles --create /usr/lib/tmpfiles.d/counter-agent.conf',
      run: () => sys.tmpfilesCreate(join(root, '/usr/lib/tmpfiles.d/counter-agent.conf')),
    });
  }

  // As the packaged tmpfiles.d makes it: the service's group may read the config, nobody else.
  add(await dirChange(root, sys, dirname(CONFIG_PATH), 0o750, { user: 'root', group: SERVICE_USER }));
  add(await dirChange(root, sys, config.dataDir, 0o750, SERVICE));
  add(await dirChange(root, sys, config.video.dir, 0o750, SERVICE));
  const configChange = await fileChange(
    root,
    sys,
    CONFIG_PATH,
    p.configText,
    0o640,
    { user: 'root', group: SERVICE_USER },
    { affectsService: true, detail: p.configPreview },
  );
  add(configChange);

  const rules = await installFile(file('/lib/udev/rules.d/99-counter-agent.rules'));
  if (rules) {
    add(rules);
    add({ text: 'udevadm control --reload && udevadm trigger（已插入的扫码枪、读卡器按新规则授权）', run: () => sys.udevReload() });
  }

  const unitChanges: Change[] = [];
  for (const f of p.files.filter((x) => x.dest.startsWith(`${UNIT_DIR}/`))) {
    const c = await installFile(f, { affectsService: true });
    if (c) unitChanges.push(c);
  }
  // The unit may write only below /var/lib/counter-agent; a video dir elsewhere is opened up by a drop-in.
  if (!inside(config.video.dir, DEFAULT_DATA_DIR)) {
    const dropIn = `# Written by counter-agent provision: video.dir is outside /var/lib/counter-agent.\n[Service]\nReadWritePaths=${config.video.dir}\n`;
    const c = await fileChange(root, sys, VIDEO_DROP_IN, dropIn, 0o644, ROOT, { affectsService: true });
    if (c) unitChanges.push(c);
  } else if (existsSync(join(root, VIDEO_DROP_IN))) {
    unitChanges.push({
      text: `删除 ${VIDEO_DROP_IN}（video.dir 已在 /var/lib/counter-agent 下）`,
      affectsService: true,
      run: () => rm(join(root, VIDEO_DROP_IN), { force: true }),
    });
  }
  if (unitChanges.length > 0) changes.push(...unitChanges, { text: 'systemctl daemon-reload', run: () => sys.daemonReload() });

  let needsManagerUser = false;
  if (!hasActiveManager(join(root, ledgerPath(config)))) {
    if (p.managerUser) changes.push(managerChange(root, sys, config, p.managerUser));
    else needsManagerUser = true;
  }

  const state = await sys.unitState(SERVICE_UNIT);
  if (!state.enabled || !state.active) changes.push({ text: `systemctl enable --now ${SERVICE_UNIT}`, run: () => sys.enableNow(SERVICE_UNIT) });
  else if (changes.some((c) => c.affectsService))
    changes.push({ text: `systemctl restart ${SERVICE_UNIT}（配置或服务单元已更改）`, run: () => sys.restart(SERVICE_UNIT) });
  return { changes, needsManagerUser };
}
