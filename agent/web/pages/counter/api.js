// Every call to the agent goes through here (the shared request; a 401 shows the sign-in screen).
import { request } from '../shared/page-core.js';

export { whenUnauthorized } from '../shared/page-core.js';

export const api = (method, path, body) => request(method, path, body, '无法连接本机服务：请检查收银机是否开机，稍后重试');

/** What went wrong, as a list of { code, message }: refusals, errors, or the HTTP status in Chinese. */
export function problems(r) {
  if (r.body && Array.isArray(r.body.refused) && r.body.refused.length) return r.body.refused;
  if (r.body && Array.isArray(r.body.errors) && r.body.errors.length) return r.body.errors;
  if (r.status === 403) return [{ code: 'FORBIDDEN', message: '当前账号无权执行此操作：请由店长登录处理' }];
  return [{ code: `HTTP_${r.status}`, message: `操作失败（${r.status}）：请重试或联系技术员` }];
}
