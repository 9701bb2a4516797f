// Usage page: the ledger's usage report grouped by any of key / model / provider / day within a date
// range, with totals, exportable as CSV (built in the page; nothing leaves the gateway).

import { api, h, int, table, usd } from './ui.js';

const DIMS = ['key', 'model', 'provider', 'day'];
let state = { group: ['key', 'model'], from: '', to: '' };

function csv(report) {
  const cols = [...report.group_by, 'requests', 'prompt_tokens', 'completion_tokens', 'cached_tokens', 'cost_usd'];
  const cell = (v) => {
    const s = v === null || v === undefined ? '' : String(v);
    return /[",\n\r]/.test(s) || /^[=+\-@]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return [cols.join(','), ...report.rows.map((r) => cols.map((c) => cell(r[c])).join(','))].join('\r\n') + '\r\n';
}

export async function usagePage(main) {
  const q = new URLSearchParams();
  if (state.group.length) q.set('group_by', state.group.join(','));
  if (state.from) q.set('from', state.from);
  if (state.to) q.set('to', state.to);
  const report = await api(`/usage?${q}`);
  const form = h('form', { class: 'inline', id: 'usage-form' },
    ...DIMS.map((d) => h('label', {}, d, h('input', { type: 'checkbox', name: 'group', value: d, checked: state.group.includes(d) }))),
    h('label', {}, 'From', h('input', { type: 'date', name: 'from', value: state.from })),
    h('label', {}, 'To (exclusive)', h('input', { type: 'date', name: 'to', value: state.to })),
    h('button', { type: 'submit', class: 'primary' }, 'Show'),
    h('button', {
      type: 'button', id: 'export-csv', onclick: () => {
        const link = h('a', { href: URL.createObjectURL(new Blob([csv(report)], { type: 'text/csv' })), download: `switchyard-usage-${new Date().toISOString().slice(0, 10)}.csv` });
        link.click();
        setTimeout(() => URL.revokeObjectURL(link.href), 1000);
      },
    }, 'Export CSV'));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const f = new FormData(form);
    state = { group: f.getAll('group'), from: f.get('from'), to: f.get('to') };
    usagePage(main);
  });
  const t = report.totals;
  main.replaceChildren(
    h('h2', {}, 'Usage'), form,
    h('p', { id: 'usage-totals' }, `${int(t.requests)} requests, ${int(t.prompt_tokens)} prompt + ${int(t.completion_tokens)} completion tokens, ${usd(t.cost_usd)}`),
    table([
      ...report.group_by.map((d) => ({ label: d, value: (r) => r[d] ?? '(none)' })),
      { label: 'Requests', value: (r) => int(r.requests), num: true },
      { label: 'Prompt tokens', value: (r) => int(r.prompt_tokens), num: true },
      { label: 'Completion tokens', value: (r) => int(r.completion_tokens), num: true },
      { label: 'Cached tokens', value: (r) => int(r.cached_tokens), num: true },
      { label: 'Cost', value: (r) => usd(r.cost_usd), num: true },
    ], report.rows, { id: 'usage-table' }),
  );
}
