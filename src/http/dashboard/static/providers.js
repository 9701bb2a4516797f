// Providers page: per target the circuit-breaker state, recent error rate and latency (from the
// ledger's attempts), the last error (status and code only); a "Test" button per provider; the upstream
// account balance when the provider has a balance check (providers.X.balance).

import { api, badge, h, int, pct, table, when } from './ui.js';

function results(out, res) {
  out.replaceChildren(
    h('p', {}, res.ok ? badge('ok') : badge('fail'), ` test of ${res.provider}`),
    table([
      { label: 'Upstream model', value: (r) => r.upstream_model },
      { label: 'Result', value: (r) => (r.ok ? badge('ok') : badge('fail')) },
      { label: 'Status', value: (r) => r.status, num: true },
      { label: 'Latency', value: (r) => `${int(r.latency_ms)} ms`, num: true },
      { label: 'Error', value: (r) => (r.error ? `${r.code}: ${r.error}` : '–') },
    ], res.results, { class: 'test-results' }),
  );
}

const money = (amount, currency) => `${Number(amount).toLocaleString('en-US', { maximumFractionDigits: 4 })} ${currency}`;
const age = (s) => (s < 90 ? `${s} s` : s < 5400 ? `${Math.round(s / 60)} min` : `${Math.round(s / 3600)} h`);

/** The balance line: amount and age of the last good reading, the latest failure, the warn_below state. */
function balance(b, name, main) {
  if (!b) return null;
  const refresh = h('button', {
    class: 'refresh-balance', onclick: async () => {
      refresh.disabled = true;
      try {
        await api(`/providers/${encodeURIComponent(name)}/balance`, { method: 'POST' });
      } finally {
        await providersPage(main);
      }
    },
  }, 'Refresh');
  const low = b.amount !== null && b.warn_below !== null && b.amount < b.warn_below;
  return h('p', { class: 'balance' }, 'Balance: ',
    b.amount === null ? h('span', { class: 'muted' }, 'not read yet') : h('strong', { class: low ? 'error' : '' }, money(b.amount, b.currency)),
    b.checked_at ? h('span', { class: 'muted' }, ` (${b.kind}, read ${age(b.age_s)} ago${low ? `, below ${money(b.warn_below, b.currency)}` : ''})`) : h('span', { class: 'muted' }, ` (${b.kind})`),
    b.error ? h('span', { class: 'error' }, ` last check failed ${when(b.error_at)}: ${b.error}`) : '', ' ', refresh);
}

function provider(p, main) {
  const out = h('div', { class: 'test-output' });
  const button = h('button', {
    class: 'test', onclick: async () => {
      button.disabled = true;
      out.replaceChildren(h('p', { class: 'muted' }, 'testing…'));
      try {
        const res = await api(`/providers/${encodeURIComponent(p.provider)}/test`, { method: 'POST' });
        await providersPage(main);
        const fresh = main.querySelector(`[data-provider="${CSS.escape(p.provider)}"] .test-output`);
        results(fresh ?? out, res);
      } catch (err) {
        out.replaceChildren(h('p', { class: 'error' }, err.message));
        button.disabled = false;
      }
    },
  }, 'Test');
  return h('section', { class: 'provider', dataset: { provider: p.provider } },
    h('div', { class: 'provider-head' }, h('h3', {}, p.provider), h('span', { class: 'muted' }, p.adapter), button),
    ...(p.balance ? [balance(p.balance, p.provider, main)] : []),
    table([
      { label: 'Upstream model', value: (t) => t.upstream_model },
      { label: 'Serves', value: (t) => t.models.join(', ') || '–' },
      { label: 'Breaker', value: (t) => badge(t.state.replace('_', '-'), t.state) },
      { label: 'Consecutive failures', value: (t) => t.consecutive_failures, num: true },
      { label: 'Attempts (15 min)', value: (t) => int(t.recent.attempts), num: true },
      { label: 'Error rate (15 min)', value: (t) => pct(t.recent.error_rate), num: true },
      { label: 'Avg latency', value: (t) => (t.recent.avg_latency_ms === null ? '–' : `${int(t.recent.avg_latency_ms)} ms`), num: true },
      { label: 'Last error', value: (t) => (t.last_error ? `${when(t.last_error.at)}: ${t.last_error.status ?? ''} ${t.last_error.code ?? ''}` : '–') },
    ], p.targets, { class: 'targets', rowKey: (t) => `${p.provider}/${t.upstream_model}` }),
    out);
}

export async function providersPage(main) {
  const { data } = await api('/providers');
  main.replaceChildren(h('h2', {}, 'Providers'), ...data.map((p) => provider(p, main)));
}
