// Who is buying: an ID number or an e-voucher token typed or scanned into the identity field (F4), an
// e-voucher QR code scanned anywhere, or (through server-sent events) a card placed on the ID reader or a
// face terminal's result. The platform (1101) answers with the insured person.
import { api, problems } from './api.js';
import { showRefusals } from './refusals.js';
import { showStatus } from './render.js';
import { ensureSale, reload } from './sale.js';

const ID_NUMBER = /^[0-9]{17}[0-9Xx]$/;
/** The 医保电子凭证 QR payload, as agent/devices/router.ts recognises it. */
const EVOUCHER_QR = /^NHSAEC\d[0-9A-Za-z]{16,200}$/;

export const isEVoucherQr = (text) => EVOUCHER_QR.test(text);

export async function identify(text) {
  if (!text) return;
  const saleId = await ensureSale();
  if (!saleId) return;
  showStatus('正在向医保平台核验参保身份…');
  const r = isEVoucherQr(text)
    ? await api('PUT', `/api/sales/${saleId}/identity/evoucher`, { qrcode: text })
    : // 18 characters of an ID number → 身份证 (02); anything else is the 医保电子凭证 token (01).
      await api('PUT', `/api/sales/${saleId}/identity`, { certType: ID_NUMBER.test(text) ? '02' : '01', certNo: ID_NUMBER.test(text) ? text.toUpperCase() : text });
  await reload();
  if (r.status === 200) showStatus(`已识别参保人：${(r.body.person && r.body.person.name) || ''}`);
  else {
    showStatus('');
    showRefusals(problems(r));
  }
}
