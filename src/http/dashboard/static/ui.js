// Dashboard helpers: the API client (session cookie + CSRF header; never the admin token) and DOM
// builders that only ever set text (no HTML from data), plus number formatting.

export class LoginRequired extends Error {}

export async function api(path, { method = 'GET', body } = {}) {
  const headers = { 'x-switchyard-dashboard': '1' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`/dashboard/api${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'same-origin' });
  if (res.status === 401) throw new LoginRequired();
  const data = await res.json();
  if (!res.ok) throw new Error(data?.error?.message ?? `HTTP ${res.status}`);
  return data;
}

/** h('div', { class: 'x', onclick: fn }, 'text', child) */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) if (c !== undefined && c !== null && c !== false) el.append(c instanceof Node ? c : String(c));
  return el;
}

/** A table from column specs [{ label, value(row), num? }]. */
export function table(columns, rows, attrs = {}) {
  return h('table', attrs,
    h('thead', {}, h('tr', {}, columns.map((c) => h('th', { class: c.num ? 'num' : undefined }, c.label)))),
    h('tbody', {}, rows.length
      ? rows.map((r) => h('tr', { dataset: attrs.rowKey ? { key: attrs.rowKey(r) } : undefined }, columns.map((c) => h('td', { class: c.num ? 'num' : undefined }, c.value(r)))))
      : h('tr', {}, h('td', { colspan: columns.length, class: 'muted' }, 'nothing yet'))));
}

export const usd = (v) => (v === null || v === undefined ? '–' : `$${Number(v).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: v !== 0 && Math.abs(v) < 1 ? 6 : 2 })}`);
export const int = (v) => (v === null || v === undefined ? '–' : Number(v).toLocaleString('en-US'));
export const pct = (v) => (v === null || v === undefined ? '–' : `${(v * 100).toFixed(1)}%`);
export const when = (iso) => (iso ? new Date(iso).toLocaleString() : '–');
export const limitsText = (l) => (l ? Object.entries(l).map(([k, v]) => `${k} ${v}`).join(', ') : '–');
export const badge = (text, cls = text) => h('span', { class: `badge ${cls}` }, text);

export function card(label, value, id) {
  return h('div', { class: 'card' }, h('div', { class: 'label' }, label), h('div', { class: 'value', id }, value));
}
