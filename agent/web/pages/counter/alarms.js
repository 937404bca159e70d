// The box's alarms (GET /api/health, no sign-in needed): platform offline, a device missing, video
// retention at risk, disk low. Shown on every screen, the sign-in screen included.
import { $, el } from './dom.js';

export async function loadAlarms() {
  const box = $('alarms');
  try {
    const res = await fetch('/api/health', { credentials: 'same-origin' });
    const h = await res.json();
    const alarms = Array.isArray(h.alarms) ? h.alarms : [];
    box.replaceChildren(...alarms.map((a) => el('div', { 'data-code': a.code || '' }, `⚠ ${a.message || a.code}`)));
    box.hidden = alarms.length === 0;
  } catch {
    box.replaceChildren(el('div', { 'data-code': 'AGENT_UNREACHABLE' }, '⚠ 无法连接本机服务：请检查收银机是否正常运行，或联系技术员'));
    box.hidden = false;
  }
}
