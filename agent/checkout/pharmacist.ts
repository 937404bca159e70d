// Who is the pharmacist on duty (药师在岗): asked at settlement, recorded in the sale's ledger event, sent in 3505
// (phar_name, phar_prac_cert_no). For now from config store.pharmacists (the first is on duty); a later step lets a
// pharmacist sign in at the counter and replaces this provider.
import type { Pharmacist } from '../rules/types.js';

export type { Pharmacist } from '../rules/types.js';

export type PharmacistOnDuty = () => Pharmacist | undefined;

/** The first configured pharmacist is on duty; none configured: nobody is. */
export function configuredPharmacistOnDuty(pharmacists: readonly Pharmacist[]): PharmacistOnDuty {
  const first = pharmacists[0];
  return () => (first ? { name: first.name, certNo: first.certNo } : undefined);
}
