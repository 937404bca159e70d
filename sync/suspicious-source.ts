import type { PlatformSuspiciousItem, SuspiciousSource } from '../agent/suspicious/service.js';
import { yuanToFen } from '../common/money.js';
import type { PlatformClient } from './client.js';
import { translated } from './port-errors.js';

/** The 疑点 pull (3601) over the NHSA client, in the domain's terms; failures are the port's errors. */
export class PlatformSuspiciousSource implements SuspiciousSource {
  constructor(private readonly client: Pick<PlatformClient, 'pullSuspiciousItems'>) {}

  async pullSuspiciousItems(date: string): Promise<PlatformSuspiciousItem[]> {
    const { output } = await translated(() => this.client.pullSuspiciousItems(date));
    return output.items.map((it) => ({
      itemId: it.item_id,
      rule: it.rule,
      ruleName: it.rule_name,
      detail: it.detail,
      psnNo: it.psn_no,
      setlId: it.setl_id,
      amountFen: it.amount !== undefined ? yuanToFen(it.amount) : undefined,
    }));
  }
}
