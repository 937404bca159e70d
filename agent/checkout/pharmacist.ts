// Who is the pharmacist on duty (药师在岗): asked at settlement, recorded in the sale's ledger event, sent in 3505
// (phar_name, phar_prac_cert_no). Pharmacists are accounts (role pharmacist, with their 执业药师注册证号).
//
// Decision (README "Pharmacist on duty"), most specific first:
//   1. a pharmacist who signed in at this counter (药师签到) — valid until 药师签退 or the end of that day
//      (Asia/Shanghai): a sign-in left over from yesterday must not put someone on duty who is not there;
//   2. else the store's shift pharmacist the manager set (当班药师), until the manager changes or clears it;
//   3. else the first `store.pharmacists` of the config (boxes provisioned with --pharmacist-*, before accounts).
// A disabled account is on duty nowhere. The state is in the ledger database (pharmacist_duty), so a restart keeps it.
import { shanghaiDate } from '../../common/time.js';
import type { Db } from '../ledger/db.js';
import type { Pharmacist } from '../rules/types.js';
import { CheckoutError } from './errors.js';

export type { Pharmacist } from '../rules/types.js';

/** The pharmacist on duty for a counter (none given: the store's), or undefined when nobody is. */
export type PharmacistOnDuty = (counter?: string) => Pharmacist | undefined;

export type DutySource = 'counter' | 'store' | 'config';

export interface OnDuty extends Pharmacist {
  /** The account (absent for a pharmacist from the config). */
  username?: string;
  source: DutySource;
  /** When the counter sign-in or the shift was set (ISO). */
  since?: string;
}

export interface DutyOverview {
  /** The manager's shift pharmacist for the store, or null. */
  shift: OnDuty | null;
  /** Pharmacists signed in at counters today. */
  counters: (OnDuty & { counter: string })[];
  /** What a counter without its own sign-in gets: the shift, else the config's first pharmacist. */
  fallback: OnDuty | null;
  /** The enabled pharmacist accounts, for the manager's choice. */
  pharmacists: { username: string; name: string; certNo: string }[];
}

interface Row {
  scope: string;
  since: string;
  username: string;
  display_name: string;
  prac_cert_no: string;
}

const STORE = 'store';
const counterScope = (counter: string) => `counter:${counter}`;

export class PharmacistDuty {
  private readonly s;

  constructor(
    db: Db,
    private readonly configured: readonly Pharmacist[] = [],
    private readonly clock: () => Date = () => new Date(),
  ) {
    this.s = {
      get: db.prepare(`SELECT d.scope, d.since, u.username, u.display_name, u.prac_cert_no FROM pharmacist_duty d JOIN users u ON u.id = d.user_id
        WHERE d.scope = ? AND u.role = 'pharmacist' AND u.disabled = 0`),
      all: db.prepare(`SELECT d.scope, d.since, u.username, u.display_name, u.prac_cert_no FROM pharmacist_duty d JOIN users u ON u.id = d.user_id
        WHERE u.role = 'pharmacist' AND u.disabled = 0 ORDER BY d.scope`),
      user: db.prepare("SELECT id FROM users WHERE username = ? AND role = 'pharmacist' AND disabled = 0"),
      put: db.prepare(
        'INSERT INTO pharmacist_duty (scope, user_id, since, set_by) VALUES (?, ?, ?, ?) ON CONFLICT(scope) DO UPDATE SET user_id = excluded.user_id, since = excluded.since, set_by = excluded.set_by',
      ),
      del: db.prepare('DELETE FROM pharmacist_duty WHERE scope = ?'),
      pharmacists: db.prepare("SELECT username, display_name, prac_cert_no FROM users WHERE role = 'pharmacist' AND disabled = 0 ORDER BY username"),
    };
  }

  /** The provider the checkout asks at settlement. */
  readonly provider: PharmacistOnDuty = (counter) => {
    const d = this.onDuty(counter);
    return d ? { name: d.name, certNo: d.certNo } : undefined;
  };

  onDuty(counter?: string): OnDuty | undefined {
    if (counter !== undefined) {
      const c = this.counterRow(counter);
      if (c) return c;
    }
    return this.storeShift() ?? this.fromConfig();
  }

  /** A pharmacist (already verified by password) is on duty at `counter` from now. */
  signIn(counter: string, username: string, by?: string): OnDuty {
    this.set(counterScope(counter), username, by);
    return this.onDuty(counter) as OnDuty;
  }

  /** 药师签退: the counter falls back to the store's shift pharmacist (or the config's). */
  signOut(counter: string): OnDuty | undefined {
    this.s.del.run(counterScope(counter));
    return this.onDuty(counter);
  }

  /** The manager sets (username) or clears (null) the store's shift pharmacist. */
  setShift(username: string | null, by?: string): OnDuty | undefined {
    if (username === null) this.s.del.run(STORE);
    else this.set(STORE, username, by);
    return this.onDuty();
  }

  overview(): DutyOverview {
    const today = shanghaiDate(this.clock());
    const counters = (this.s.all.all() as Row[])
      .filter((r) => r.scope.startsWith('counter:') && shanghaiDate(new Date(r.since)) === today)
      .map((r) => ({ ...toOnDuty(r, 'counter'), counter: r.scope.slice('counter:'.length) }));
    const shift = this.storeShift() ?? null;
    return {
      shift,
      counters,
      fallback: shift ?? this.fromConfig() ?? null,
      pharmacists: (this.s.pharmacists.all() as { username: string; display_name: string; prac_cert_no: string }[]).map((p) => ({
        username: p.username,
        name: p.display_name,
        certNo: p.prac_cert_no,
      })),
    };
  }

  private set(scope: string, username: string, by: string | undefined): void {
    const id = this.s.user.pluck().get(username.trim().toLowerCase()) as number | undefined;
    if (id === undefined) throw new CheckoutError(404, 'PHARMACIST_UNKNOWN', `没有启用的执业药师账号 ${username}：请店长在「账号」中添加执业药师`);
    this.s.put.run(scope, id, this.clock().toISOString(), by ?? null);
  }

  private counterRow(counter: string): OnDuty | undefined {
    const r = this.s.get.get(counterScope(counter)) as Row | undefined;
    // A sign-in counts on the day it was made only (see the decision above).
    if (!r || shanghaiDate(new Date(r.since)) !== shanghaiDate(this.clock())) return undefined;
    return toOnDuty(r, 'counter');
  }

  private storeShift(): OnDuty | undefined {
    const r = this.s.get.get(STORE) as Row | undefined;
    return r && toOnDuty(r, 'store');
  }

  private fromConfig(): OnDuty | undefined {
    const first = this.configured[0];
    return first ? { name: first.name, certNo: first.certNo, source: 'config' } : undefined;
  }
}

const toOnDuty = (r: Row, source: DutySource): OnDuty => ({ name: r.display_name, certNo: r.prac_cert_no, username: r.username, source, since: r.since });

/** Only the config's first pharmacist (tools and tests without accounts). */
export function configuredPharmacistOnDuty(pharmacists: readonly Pharmacist[]): PharmacistOnDuty {
  const first = pharmacists[0];
  return () => (first ? { name: first.name, certNo: first.certNo } : undefined);
}
