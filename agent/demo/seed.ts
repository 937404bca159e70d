// Demo mode's starting point: the sample catalogue and one delivery in a fresh ledger, and the demo accounts.

import { randomBytes, randomInt } from 'node:crypto';
import { shanghaiDate } from '../../common/time.js';
import type { AccountStore } from '../accounts/store.js';
import type { Ledger } from '../ledger/index.js';
import type { Logger } from '../log.js';
import type { ReceivingService } from '../receiving/service.js';
import { DEMO_PRODUCTS } from './catalog.js';
import { demoReceipt } from './stock.js';

export interface DemoAccounts {
  manager: { username: string; password: string };
  cashier: { username: string; pin: string };
}

/** A fresh demo ledger gets the sample catalogue and one delivery; an existing one is left as it is. */
export function seedDemo(ledger: Ledger, receiving: ReceivingService, clock: () => Date, log: Logger): void {
  if (ledger.catalog.all().length > 0) return;
  ledger.catalog.importProducts(DEMO_PRODUCTS, { at: clock(), actor: 'demo' });
  const result = receiving.receive(demoReceipt(shanghaiDate(clock())), 'demo');
  if (!result.ok) throw new Error(`demo stock refused: ${JSON.stringify(result.problems)}`);
  log.info({ products: DEMO_PRODUCTS.length, receipt: result.id }, 'demo catalogue and stock seeded');
}

/**
 * Demo mode gives the demo manager `manager` (random password) and cashier `cashier` (random 6-digit PIN)
 * fresh secrets on every start and prints them: someone trying the box restarts `npm start` and must be able
 * to sign in again, and a demo box holds nothing worth protecting (a real box never runs in demo mode).
 * Users created by hand in the demo are left as they are.
 */
export async function seedDemoAccounts(accounts: AccountStore, log: Logger): Promise<DemoAccounts> {
  const password = randomBytes(9).toString('base64url');
  const pin = String(randomInt(0, 1_000_000)).padStart(6, '0');
  const ensure = async (username: string, displayName: string, role: 'manager' | 'cashier', secret: string) => {
    const user = accounts.get(username);
    if (!user) await accounts.create({ username, displayName, role, password: secret });
    else if (user.role === role) await accounts.setPassword(username, secret);
    else throw new Error(`demo account ${username} exists with role ${user.role}; delete the demo data folder to start over`);
  };
  await ensure('manager', '演示店长', 'manager', password);
  await ensure('cashier', '演示收银员', 'cashier', pin);
  log.info('demo accounts ready: manager, cashier');
  return { manager: { username: 'manager', password }, cashier: { username: 'cashier', pin } };
}
