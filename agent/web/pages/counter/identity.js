// Who is buying: an ID number, a social-security card number or an e-voucher token typed or scanned into
// the identity field (F4), an e-voucher QR code scanned anywhere, or (through server-sent events) a card
// placed on the ID reader or a face terminal's result. The platform (1101) answers with the insured person.
import { api, problems } from './api.js';
import { showRefusals } from './refusals.js';
import { showStatus } from './render.js';
import { ensureSale, reload } from './sale.js';

const ID_NUMBER = /^[0-9]{17}[0-9Xx]$/;
/**
 * 社会保障卡卡号: a letter and then digits (8 on cards issued to the national standard, 9 on the platform
 * simulator's sample cards). Never 18 characters like an ID number, never 32 like an e-voucher token.
 */
const SOCIAL_SECURITY_CARD = /^[A-Za-z][0-9]{8,9}$/;
/** The 医保电子凭证 QR payload, as agent/devices/router.ts recognises it. */
const EVOUCHER_QR = /^NHSAEC\d[0-9A-Za-z]{16,200}$/;

export const isEVoucherQr = (text) => EVOUCHER_QR.test(text);

/** What the F4 field holds, as 1101 takes it: 身份证 (02), 社保卡 (03), else the 医保电子凭证 token (01). */
export function presentedCertificate(text) {
  if (ID_NUMBER.test(text)) return { certType: '02', certNo: text.toUpperCase() }; // a lowercase x is the same ID
  if (SOCIAL_SECURITY_CARD.test(text)) return { certType: '03', certNo: text.toUpperCase() };
  return { certType: '01', certNo: text };
}

export async function identify(text) {
  if (!text) return;
  const saleId = await ensureSale();
  if (!saleId) return;
  showStatus('正在向医保平台核验参保身份…');
  const r = isEVoucherQr(text)
    ? await api('PUT', `/api/sales/${saleId}/identity/evoucher`, { qrcode: text })
    : await api('PUT', `/api/sales/${saleId}/identity`, presentedCertificate(text));
  await reload();
  if (r.status === 200) showStatus(`已识别参保人：${(r.body.person && r.body.person.name) || ''}`);
  else {
    showStatus('');
    showRefusals(problems(r));
  }
}
