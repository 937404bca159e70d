// Shared by the counter and manager pages (imported as ../shared/page-core.js, served at /shared/): building DOM and the one way to
// call the agent. Plain browser ES module, no build step. Every call is a same-origin fetch with the session
// cookie; the browser adds the Origin header the agent checks on writes.

export const $ = (id) => document.getElementById(id);

/** Builds an element; children are nodes or text (never parsed as HTML). `on*` attributes take functions. */
export function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') e.className = v;
    else if (k.startsWith('on') && typeof v === 'function') e.addEventListener(k.slice(2), v);
    else if (v === true) e.setAttribute(k, '');
    else e.setAttribute(k, String(v));
  }
  for (const c of children.flat()) if (c !== null && c !== undefined && c !== false) e.append(c instanceof Node ? c : String(c));
  return e;
}

let onUnauthorized = () => {};

/** What to do when the session has ended (each page shows its sign-in form). */
export function whenUnauthorized(handler) {
  onUnauthorized = handler;
}

/**
 * One API call → `{ status, body }`; never throws: a network failure is status 0 with `networkMessage`
 * (each page words it for its own users). A 401 outside sign-in means the session ended.
 */
export async function request(method, path, body, networkMessage) {
  let res;
  try {
    res = await fetch(path, {
      method,
      credentials: 'same-origin',
      headers: body !== undefined ? { 'content-type': 'application/json' } : {},
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
  } catch {
    return { status: 0, body: { errors: [{ code: 'NETWORK', message: networkMessage }] } };
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
