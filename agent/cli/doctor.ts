import { existsSync } from 'node:fs';
import { statfs } from 'node:fs/promises';
import type { LoadedConfig } from '../../config/index.js';
import { syncStatus } from '../ledger/outbox-status.js';
import { verifyLedger } from '../ledger/verify.js';
import { ledgerPath } from '../paths.js';
import { type LedgerDb, readLedger } from './doctor-ledger.js';
import { outboxCheck, platformClockCheck, platformSignInCheck } from './doctor-platform.js';
import { type VideoCheckOptions, videoChecks } from './doctor-video.js';
import type { CliIo } from './main.js';

export type CheckStatus = 'pass' | 'warn' | 'fail';
export interface Check {
  name: string;
  status: CheckStatus;
  detail: string;
  /** What to do about it, for the technician. */
  fix?: string;
}

interface UsbHid {
  vendorId: number;
  productId: number;
  path?: string;
  product?: string;
  manufacturer?: string;
  usagePage?: number;
}

const hex4 = (n: number) => `0x${n.toString(16).padStart(4, '0')}`;

/** Serial ports the OS knows (serialport's own listing, from udev). */
async function serialPorts(): Promise<{ path: string; manufacturer?: string; vendorId?: string; productId?: string; pnpId?: string }[]> {
  const { SerialPort } = await import('serialport');
  return SerialPort.list();
}

/** HID devices through node-hid, loaded only here so a box without HID scanners never needs it. */
async function hidDevices(): Promise<UsbHid[]> {
  const hid = (await import('node-hid')) as unknown as { devices: () => UsbHid[]; default?: { devices: () => UsbHid[] } };
  return (hid.devices ?? hid.default?.devices)?.() ?? [];
}

/** The manager's shift pharmacist and the number of enabled pharmacist accounts (none on a ledger from before them). */
function dutyInLedger(db: LedgerDb): { shift?: string; accounts: number } {
  const has = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'pharmacist_duty'").get();
  if (!has) return { accounts: 0 };
  const shift = db
    .prepare(
      "SELECT u.display_name FROM pharmacist_duty d JOIN users u ON u.id = d.user_id WHERE d.scope = 'store' AND u.role = 'pharmacist' AND u.disabled = 0",
    )
    .pluck()
    .get() as string | undefined;
  const accounts = db.prepare("SELECT COUNT(*) FROM users WHERE role = 'pharmacist' AND disabled = 0").pluck().get() as number;
  return { ...(shift ? { shift } : {}), accounts };
}

/**
 * 药师在岗: every sale's 3505 carries the pharmacist on duty (phar_name, phar_prac_cert_no, mandatory nationally);
 * without one the platform refuses the sale records, and prescription drugs are refused at the counter. Who is on
 * duty: agent/checkout/pharmacist.ts (counter sign-in, else the manager's shift pharmacist, else the config's).
 */
function pharmacistCheck(configured: { name: string; certNo: string } | undefined, duty: { shift?: string; accounts: number }): Check {
  if (duty.shift) return { name: 'pharmacist', status: 'pass', detail: `shift pharmacist (当班药师): ${duty.shift}` };
  if (configured) return { name: 'pharmacist', status: 'pass', detail: `on duty: ${configured.name} (${configured.certNo})` };
  if (duty.accounts > 0)
    return {
      name: 'pharmacist',
      status: 'warn',
      detail: `${duty.accounts} pharmacist account(s) but no shift pharmacist: a counter without 药师签到 sells no prescription drug and its sales' 3505 are refused`,
      fix: 'on the manager page (账号与药师) set the shift pharmacist, or have the pharmacist sign in at each counter (F5)',
    };
  return {
    name: 'pharmacist',
    status: 'fail',
    detail: 'no pharmacist: store.pharmacists is empty and no pharmacist account exists; the platform refuses every 3505 without phar_name/phar_prac_cert_no',
    fix: 'add a pharmacist account on the manager page (账号与药师), or counter-agent provision --pharmacist-name NAME --pharmacist-cert-no NO',
  };
}

/** Every check the technician needs, each with pass/warn/fail and the fix. */
export async function runChecks(loaded: LoadedConfig, opts: VideoCheckOptions = {}): Promise<{ checks: Check[]; serial: unknown[]; hid: unknown[] }> {
  const { config } = loaded;
  const checks: Check[] = [{ name: 'config', status: 'pass', detail: `valid (${loaded.source})` }];
  // 药师在岗: every sale's 3505 carries the pharmacist on duty (phar_name, phar_prac_cert_no, mandatory nationally);
  // without one the platform refuses every sale record, and prescription drugs are refused at the counter.
  const path = ledgerPath(config);
  let backlog: ReturnType<typeof syncStatus> | undefined;
  let duty: { shift?: string; accounts: number } = { accounts: 0 };
  if (!existsSync(path))
    checks.push({ name: 'ledger', status: 'warn', detail: `no ledger yet at ${path}`, fix: 'start the service once (systemctl start counter-agent)' });
  else {
    readLedger(path, (db) => {
      const v = verifyLedger(db);
      checks.push(
        v.ok
          ? { name: 'ledger', status: 'pass', detail: `${v.events} events, ${v.codes} trace codes, chain and stock invariants hold` }
          : {
              name: 'ledger',
              status: 'fail',
              detail: v.problems[0]?.message ?? 'broken',
              fix: 'do not edit the ledger; keep the file and contact support with `counter-agent verify-ledger --json`',
            },
      );
      backlog = syncStatus(db, (opts.now ?? (() => new Date()))());
      duty = dutyInLedger(db);
    });
  }
  checks.push(pharmacistCheck(config.store.pharmacists[0], duty));

  let serial: Awaited<ReturnType<typeof serialPorts>> = [];
  try {
    serial = await serialPorts();
  } catch (err) {
    checks.push({ name: 'serial ports', status: 'warn', detail: `cannot list serial ports: ${(err as Error).message}` });
  }
  let hid: UsbHid[] = [];
  let hidError: string | undefined;
  try {
    hid = await hidDevices();
  } catch (err) {
    hidError = (err as Error).message;
  }
  for (const s of config.scanners) {
    if (s.type === 'serial') {
      checks.push(
        existsSync(s.path)
          ? { name: `scanner ${s.id}`, status: 'pass', detail: `${s.path} present` }
          : {
              name: `scanner ${s.id}`,
              status: 'fail',
              detail: `${s.path} not found`,
              fix: 'plug the scanner in, check the cable, or correct scanners[].path (see `ls -l /dev/serial/by-id/`)',
            },
      );
    } else if (s.type === 'hid') {
      const found = hid.find((d) => d.vendorId === s.vendorId && d.productId === s.productId);
      checks.push(
        hidError
          ? { name: `scanner ${s.id}`, status: 'fail', detail: `cannot list HID devices: ${hidError}`, fix: 'apt-get install libusb-1.0-0 libudev1' }
          : found
            ? { name: `scanner ${s.id}`, status: 'pass', detail: `HID ${hex4(s.vendorId)}:${hex4(s.productId)} at ${found.path ?? '?'}` }
            : {
                name: `scanner ${s.id}`,
                status: 'fail',
                detail: `HID ${hex4(s.vendorId)}:${hex4(s.productId)} not found`,
                fix: 'plug the scanner in; check `lsusb`; install the udev rules (counter-agent provision)',
              },
      );
    } else checks.push({ name: `scanner ${s.id}`, status: 'pass', detail: 'simulated' });
  }
  for (const r of config.idReaders) {
    if (r.type === 'serial') {
      checks.push(
        existsSync(r.path)
          ? { name: `id reader ${r.id}`, status: 'pass', detail: `${r.path} present` }
          : { name: `id reader ${r.id}`, status: 'fail', detail: `${r.path} not found`, fix: 'plug the reader in or correct idReaders[].path' },
      );
    } else checks.push({ name: `id reader ${r.id}`, status: 'pass', detail: 'simulated' });
  }

  try {
    const s = await statfs(config.dataDir);
    const free = s.bavail * s.bsize;
    checks.push(
      free < 2 * 1024 ** 3
        ? { name: 'disk', status: 'warn', detail: `${(free / 1024 ** 3).toFixed(1)} GB free in ${config.dataDir}`, fix: 'free space or add a disk' }
        : { name: 'disk', status: 'pass', detail: `${(free / 1024 ** 3).toFixed(1)} GB free in ${config.dataDir}` },
    );
  } catch (err) {
    checks.push({
      name: 'disk',
      status: 'fail',
      detail: `dataDir ${config.dataDir}: ${(err as Error).message}`,
      fix: 'create dataDir or fix its permissions (counter-agent provision)',
    });
  }

  checks.push(...(await videoChecks(config, opts)));

  if (config.platform.simulator) checks.push({ name: 'platform', status: 'pass', detail: 'embedded simulator (demo/training)' });
  else if (config.platform.url) checks.push(await platformSignInCheck(config), await platformClockCheck(config.platform.url, opts.now));
  if (backlog) checks.push(outboxCheck(backlog, config));
  return {
    checks,
    serial: serial.map((p) => ({ path: p.path, manufacturer: p.manufacturer, vendorId: p.vendorId, productId: p.productId, pnpId: p.pnpId })),
    hid: hidError
      ? [{ error: hidError }]
      : hid.map((d) => ({
          vendorId: hex4(d.vendorId),
          productId: hex4(d.productId),
          path: d.path,
          product: d.product,
          manufacturer: d.manufacturer,
          usagePage: d.usagePage,
        })),
  };
}

export async function doctorCommand(loaded: LoadedConfig, io: CliIo, json: boolean): Promise<number> {
  const r = await runChecks(loaded);
  const worst = r.checks.some((c) => c.status === 'fail') ? 2 : r.checks.some((c) => c.status === 'warn') ? 1 : 0;
  if (json) {
    io.out(JSON.stringify({ ...r, exitCode: worst }));
    return worst;
  }
  const mark: Record<CheckStatus, string> = { pass: 'PASS', warn: 'WARN', fail: 'FAIL' };
  for (const c of r.checks) io.out(`${mark[c.status]}  ${c.name}: ${c.detail}${c.fix ? `\n      fix: ${c.fix}` : ''}`);
  io.out(`\nserial ports: ${r.serial.length === 0 ? 'none' : ''}`);
  for (const p of r.serial as { path: string; manufacturer?: string; vendorId?: string; productId?: string }[])
    io.out(`  ${p.path}  ${p.vendorId ?? ''}:${p.productId ?? ''} ${p.manufacturer ?? ''}`);
  io.out(`HID devices: ${r.hid.length === 0 ? 'none' : ''}`);
  for (const d of r.hid as Record<string, unknown>[])
    io.out(
      `  ${'error' in d ? `cannot list: ${String(d.error)}` : `${String(d.vendorId)}:${String(d.productId)} ${String(d.path ?? '')} ${String(d.product ?? '')}`}`,
    );
  return worst;
}

/** Shows what the scanner sends, byte for byte where it matters: GS (0x1D) as <GS>, other controls as <0xNN>. */
export function showScan(text: string): string {
  return [...text]
    .map((c) => {
      const n = c.charCodeAt(0);
      if (n === 0x1d) return '<GS>';
      return n < 0x20 || n === 0x7f ? `<0x${n.toString(16).padStart(2, '0')}>` : c;
    })
    .join('');
}

/** `doctor --scan N`: opens the configured scanners and prints every scan for N seconds. */
export async function liveScanCheck(loaded: LoadedConfig, io: CliIo, seconds: number): Promise<number> {
  const { createScanner } = await import('../../device/scanner/index.js');
  const scanners = loaded.config.scanners.map((c) => createScanner(c));
  if (scanners.length === 0) {
    io.err('doctor --scan: no scanners configured (scanners[] in the config)');
    return 2;
  }
  let scans = 0;
  for (const s of scanners) {
    s.on('scan', (e) => {
      scans++;
      io.out(`${e.deviceId}: ${showScan(e.text)}${e.symbology ? `  (symbology ${e.symbology})` : ''}`);
    });
    s.on('status', (st) => io.out(`${st.id}: ${st.state}${st.path ? ` ${st.path}` : ''}${st.error ? ` — ${st.error}` : ''}`));
    s.on('warning', (w) => io.out(`${w.deviceId}: warning: ${w.message}`));
  }
  await Promise.all(scanners.map((s) => s.start()));
  io.out(`scan something now (${seconds} s)…`);
  await new Promise((r) => setTimeout(r, seconds * 1000));
  await Promise.all(scanners.map((s) => s.stop()));
  io.out(`${scans} scan(s) received`);
  return scans > 0 ? 0 : 1;
}
