// What the pages show for the ids the ledger records (issue 14, finding 6): a cashier's display name for the
// username that settled a sale, a counter's name for its id. The API keeps the ids and adds these beside them.
//
// Who a sale records: the signed-in cashier (username), an API token's name, a device id when a scanner opened
// the sale with nobody signed in at the counter (then 未签到: no person is known), or `demo` for the demo's own
// records.
import type { Db } from '../ledger/index.js';

export interface NameSources {
  counters: readonly { id: string; name?: string | undefined }[];
  /** Ids of the configured scanners and ID readers. */
  devices: readonly string[];
}

export const NOT_SIGNED_IN = '未签到';

/** 1号收银台 for counter-1 unless config `counters` names it otherwise; an id of another shape as it is. */
export function counterName(id: string, counters: readonly { id: string; name?: string | undefined }[]): string {
  const named = counters.find((c) => c.id === id)?.name;
  if (named) return named;
  const n = /^counter-(\d+)$/.exec(id);
  return n ? `${Number(n[1])}号收银台` : id;
}

export class Names {
  private readonly byUsername;
  private readonly counters: NameSources['counters'];
  private readonly devices: Set<string>;

  constructor(db: Db, sources: NameSources) {
    this.byUsername = db.prepare<[string], { display_name: string }>('SELECT display_name FROM users WHERE username = ?');
    this.counters = sources.counters;
    this.devices = new Set(sources.devices);
  }

  counter(id: string): string {
    return counterName(id, this.counters);
  }

  /** The person behind a recorded actor: display name, 未签到 for a device or nobody, 演示数据 for the demo, 「name（接口）」 for a token. */
  person(actor: string | null | undefined): string {
    if (!actor || this.devices.has(actor)) return NOT_SIGNED_IN;
    const user = this.byUsername.get(actor.toLowerCase());
    if (user) return user.display_name;
    if (actor === 'demo') return '演示数据';
    return `${actor}（接口）`; // an API token's name: a program (a POS front-end, a script), not a person
  }
}
