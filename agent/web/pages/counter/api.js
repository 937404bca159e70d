// Every call to the agent goes through here: same-origin fetch with the session cookie (the browser adds the
// Origin header the agent checks on writes). A 401 means the session ended: the sign-in screen is shown.

let onUnauthorized = () => {};

export function whenUnauthorized(handler) {
  onUnauthorized = handler;
}

export async function api(method, path, body) {
  let res;
  try {
    res = await fetch(path, {
      method,
      credentials: 'same-origin',
      headers: body !== undefined ? { 'content-type': 'application/json' } : {},
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
  } catch {
    return { status: 0, body: { errors: [{ code: 'NETWORK', message: '无法连接本机服务：请检查收银机是否开机，稍后重试' }] } };
  }
  let data = {};
  if (res.status !== 204) {
    try {
      data = await res.json();
    } catch {
      data = {};
    }
  }
  if (res.status === 401 && path !== '/api/login') onUnauthorized('登录已过期，请重新登录');
  return { status: res.status, body: data };
}

/** What went wrong, as a list of { code, message }: refusals, errors, or the HTTP status in Chinese. */
export function problems(r) {
  if (r.body && Array.isArray(r.body.refused) && r.body.refused.length) return r.body.refused;
  if (r.body && Array.isArray(r.body.errors) && r.body.errors.length) return r.body.errors;
  if (r.status === 403) return [{ code: 'FORBIDDEN', message: '当前账号无权执行此操作：请由店长登录处理' }];
  return [{ code: `HTTP_${r.status}`, message: `操作失败（${r.status}）：请重试或联系技术员` }];
}
