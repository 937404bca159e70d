// The recording SystemPort of the provision tests: systemctl, udevadm and chown to another user cannot run here
// (no systemd as PID 1, no root), so system actions are recorded, and refused where the real system would refuse
// them (chown to a user not yet created, enabling a unit that is not installed or not yet reloaded), so the order
// of provision's plan is checked too. Excluded from the build (*.test-helpers.ts).
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { Owner, SystemPort, UnitState } from './provision-system.js';

export class RecordingSystem implements SystemPort {
  readonly actions: string[] = [];
  readonly users = new Set<string>();
  readonly owners = new Map<string, Owner>();
  readonly units = new Map<string, UnitState>();
  /**
   * The unit files' mtimes as systemd last read them (daemon-reload); a unit written later is "changed on disk".
   * Kept per file rather than as a reload time: an mtime and Date.now() taken in the same millisecond
   * would otherwise compare either way.
   */
  private readonly loadedUnits = new Map<string, number>();

  constructor(private readonly root: string) {}

  private rel(path: string): string {
    return `/${relative(this.root, path)}`;
  }
  async userExists(name: string) {
    return this.users.has(name);
  }
  async createUser(name: string, sysusersFile: string) {
    if (!existsSync(sysusersFile)) throw new Error(`systemd-sysusers: ${sysusersFile} does not exist`);
    this.actions.push(`createUser ${name} ${this.rel(sysusersFile)}`);
    this.users.add(name);
  }
  async ownerOf(path: string) {
    if (!existsSync(path)) return undefined;
    return this.owners.get(path) ?? { user: 'root', group: 'root' };
  }
  async chown(path: string, owner: Owner) {
    if (!existsSync(path)) throw new Error(`chown: ${path} does not exist`);
    for (const name of [owner.user, owner.group]) if (name !== 'root' && !this.users.has(name)) throw new Error(`chown: no such user ${name}`);
    this.owners.set(path, owner);
    this.actions.push(`chown ${owner.user}:${owner.group} ${this.rel(path)}`);
  }
  async tmpfilesCreate(file: string) {
    this.actions.push(`tmpfiles ${this.rel(file)}`);
  }
  async daemonReload() {
    const dir = join(this.root, 'lib/systemd/system');
    this.loadedUnits.clear();
    if (existsSync(dir)) for (const name of readdirSync(dir)) this.loadedUnits.set(name, statSync(join(dir, name)).mtimeMs);
    this.actions.push('daemon-reload');
  }
  async udevReload() {
    this.actions.push('udev-reload');
  }
  async unitState(unit: string) {
    return this.units.get(unit) ?? { enabled: false, active: false };
  }
  async enableNow(unit: string) {
    const unitPath = join(this.root, 'lib/systemd/system', unit);
    if (!existsSync(unitPath)) throw new Error(`Failed to enable unit: Unit file ${unit} does not exist`);
    if (statSync(unitPath).mtimeMs !== this.loadedUnits.get(unit)) throw new Error(`${unit} changed on disk; run daemon-reload first`);
    this.units.set(unit, { enabled: true, active: true });
    this.actions.push(`enable --now ${unit}`);
  }
  async restart(unit: string) {
    this.actions.push(`restart ${unit}`);
  }
}
