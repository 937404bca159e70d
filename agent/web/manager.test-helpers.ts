// Shared by manager-reports.test.ts and manager-audit.test.ts, whose agents run on the wall clock (stock
// adjustments and the platform simulator use it): keep a test's few seconds inside one Shanghai day.
const DAY_MS = 86_400_000;
const SHANGHAI_MS = 8 * 3_600_000;

/** Waits past the next Shanghai midnight when it is less than 20 s away. */
export async function clearOfShanghaiMidnight(): Promise<void> {
  const now = Date.now();
  const toMidnight = DAY_MS - ((now + SHANGHAI_MS) % DAY_MS);
  if (toMidnight < 20_000) await new Promise((r) => setTimeout(r, toMidnight + 1_000));
}
