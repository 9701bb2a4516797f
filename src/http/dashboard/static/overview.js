// Overview page: totals and charts (uPlot) over a selectable window from GET /admin/timeseries, top
// keys and models from the usage report, and a notice for models without a price.

import { api, badge, card, h, int, pct, table, usd } from './ui.js';

const COLORS = ['#2f6fed', '#c4320a', '#067647', '#b54708', '#7a5af8', '#0e9384', '#dd2590', '#475467', '#f79009'];
const CHECK_KEYS = new Set(['(health-check)', '(provider-test)']);
let win = '24h';

const sum = (xs) => xs.reduce((a, b) => a + b, 0);

function chart(title, id, t, series, format) {
  const box = h('div', { class: 'chart', id, dataset: { total: String(sum(series.flatMap((s) => s.data))) } }, h('h3', {}, title));
  requestAnimationFrame(() => {
    const opts = {
      width: Math.max(300, box.clientWidth - 20), height: 220,
      scales: { x: { time: true } },
      series: [{}, ...series.map((s, i) => ({ label: s.label, stroke: COLORS[i % COLORS.length], width: 2, value: (_u, v) => (v === null ? '–' : format(v)) }))],
      axes: [{}, { size: 70, values: (_u, vals) => vals.map(format) }],
    };
    new uPlot(opts, [t.map((x) => x / 1000), ...series.map((s) => s.data)], box);
  });
  return box;
}

function topTable(rows, dim) {
  const merged = new Map();
  for (const r of rows) {
    if (CHECK_KEYS.has(r.key)) continue;
    const name = r[dim] ?? '(none)';
    const m = merged.get(name) ?? { name, requests: 0, tokens: 0, cost_usd: 0 };
    m.requests += r.requests;
    m.tokens += r.prompt_tokens + r.completion_tokens;
    m.cost_usd += r.cost_usd;
    merged.set(name, m);
  }
  const top = [...merged.values()].sort((a, b) => b.cost_usd - a.cost_usd || b.requests - a.requests).slice(0, 10);
  return table([
    { label: dim === 'key' ? 'Key' : 'Model', value: (r) => r.name },
    { label: 'Requests', value: (r) => int(r.requests), num: true },
    { label: 'Tokens', value: (r) => int(r.tokens), num: true },
    { label: 'Spend', value: (r) => usd(r.cost_usd), num: true },
  ], top, { id: `top-${dim}s` });
}

export async function overviewPage(main) {
  const [ts, cfg] = await Promise.all([api(`/timeseries?window=${win}`), api('/config/compiled')]);
  const usage = await api(`/usage?group_by=key,model&from=${ts.from}`);
  const cost = ts.cost_micros.map((m) => m / 1e6);
  const requests = sum(ts.requests);
  const errors = sum(ts.errors);
  const windows = h('div', { class: 'row-actions' }, ['1h', '24h', '7d'].map((w) => h('button', {
    id: `window-${w}`, class: w === win ? 'selected' : undefined, onclick: () => { win = w; overviewPage(main); },
  }, w)));
  const keys = Object.keys(ts.cost_by_key);
  main.replaceChildren(
    h('h2', {}, 'Overview ', h('span', { class: 'muted' }, `(last ${win})`)),
    cfg.unpriced_models.length ? h('div', { class: 'notice', id: 'unpriced-notice' }, badge('unpriced', 'unpriced'), ` Models without a price bill $0: ${cfg.unpriced_models.join(', ')}. Set models.<name>.price in gateway.yaml.`) : '',
    windows,
    h('div', { class: 'cards' },
      card('Requests', int(requests), 'stat-requests'),
      card('Tokens', int(sum(ts.prompt_tokens) + sum(ts.completion_tokens)), 'stat-tokens'),
      card('Spend', usd(sum(cost)), 'stat-spend'),
      card('Error rate', pct(requests ? errors / requests : 0), 'stat-error-rate'),
      card('In flight', int(ts.in_flight), 'stat-inflight')),
    h('div', { class: 'charts' },
      chart('Requests', 'chart-requests', ts.t, [{ label: 'requests', data: ts.requests }, { label: 'errors', data: ts.errors }], int),
      chart('Tokens', 'chart-tokens', ts.t, [{ label: 'prompt', data: ts.prompt_tokens }, { label: 'completion', data: ts.completion_tokens }], int),
      chart('Spend per key (USD)', 'chart-spend', ts.t, keys.length ? keys.map((k) => ({ label: k, data: ts.cost_by_key[k].map((m) => m / 1e6) })) : [{ label: 'spend', data: cost }], usd),
      chart('Error rate', 'chart-errors', ts.t, [{ label: 'error rate', data: ts.error_rate }], pct)),
    h('div', { class: 'two' },
      h('div', {}, h('h3', {}, 'Top keys'), topTable(usage.rows, 'key')),
      h('div', {}, h('h3', {}, 'Top models'), topTable(usage.rows, 'model'))),
  );
}
