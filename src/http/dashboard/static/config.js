// Config page: the active config (hash, file, load time, last reload error with file:line:col) and
// the compiled view: models → targets with prices and limits (unpriced ones flagged), providers with
// masked keys, keys, groups and routing.

import { api, badge, h, limitsText, table, usd, when } from './ui.js';

const perMillion = (p) => `in ${usd(p.input)} · out ${usd(p.output)} · cached ${usd(p.cached_input)}`;

export async function configPage(main) {
  const [status, view] = await Promise.all([api('/config'), api('/config/compiled')]);
  main.replaceChildren(
    h('h2', {}, 'Config'),
    h('table', { id: 'config-status' }, h('tbody', {},
      h('tr', {}, h('th', {}, 'File'), h('td', {}, h('code', {}, status.file))),
      h('tr', {}, h('th', {}, 'Active hash'), h('td', {}, h('code', { id: 'config-hash' }, status.hash))),
      h('tr', {}, h('th', {}, 'Loaded at'), h('td', {}, when(status.loaded_at))),
      h('tr', {}, h('th', {}, 'Reloads'), h('td', {}, String(status.reloads))),
      h('tr', {}, h('th', {}, 'Last reload error'), h('td', { id: 'config-error' }, status.last_error
        ? [when(status.last_error.at), h('ul', {}, status.last_error.problems.map((p) => h('li', {}, h('code', {}, p))))]
        : 'none')))),
    view.unpriced_models.length ? h('div', { class: 'notice', id: 'unpriced-notice' }, badge('unpriced'), ` ${view.unpriced_models.join(', ')}: no price set, so their requests bill $0.`) : '',
    h('h3', {}, 'Models'),
    table([
      { label: 'Model', value: (m) => [m.name, ' ', m.unpriced ? badge('unpriced') : ''] },
      { label: 'Targets', value: (m) => m.targets.map((t) => h('div', {}, `${t.provider}/${t.upstream_model}`, h('span', { class: 'muted' }, ` p${t.priority} w${t.weight}`))) },
      { label: 'Price per 1M tokens', value: (m) => perMillion(m.price_per_1m_usd) },
      { label: 'Per request', value: (m) => usd(m.per_request_usd), num: true },
      { label: 'Fallbacks', value: (m) => m.fallbacks.join(', ') || '–' },
      { label: 'Limits', value: (m) => limitsText(m.limits) },
    ], view.models, { id: 'config-models', rowKey: (m) => m.name }),
    h('h3', {}, 'Providers'),
    table([
      { label: 'Provider', value: (p) => p.name },
      { label: 'Adapter', value: (p) => p.adapter },
      { label: 'Base URL', value: (p) => p.base_url ?? '–' },
      { label: 'API key', value: (p) => h('code', {}, p.api_key ?? '–') },
      { label: 'Timeout', value: (p) => (p.timeout_ms === null ? '–' : `${p.timeout_ms} ms`), num: true },
      { label: 'Plugins', value: (p) => p.plugins.join(', ') || '–' },
    ], view.providers, { id: 'config-providers' }),
    h('h3', {}, 'Keys in gateway.yaml'),
    table([
      { label: 'Name', value: (k) => k.name },
      { label: 'Group', value: (k) => k.group },
      { label: 'Key', value: (k) => h('code', {}, k.key ?? '–') },
      { label: 'Budget', value: (k) => (k.budget_usd === null ? 'unlimited' : usd(k.budget_usd)), num: true },
      { label: 'Limits', value: (k) => limitsText(k.limits) },
      { label: 'Expires', value: (k) => when(k.expires_at) },
    ], view.keys),
    h('h3', {}, 'Groups and limits'),
    table([
      { label: 'Group', value: (g) => g.name },
      { label: 'Multiplier', value: (g) => String(g.multiplier), num: true },
      { label: 'Limits', value: (g) => limitsText(g.limits) },
    ], view.groups),
    h('p', {}, `Global limits: ${limitsText(view.limits.global)}. Routing: timeout ${view.routing.timeout_ms} ms, ${view.routing.retries} retries, breaker after ${view.routing.breaker_failures} failures for ${view.routing.breaker_cooldown_ms} ms, health checks ${view.routing.health_check ? `every ${view.routing.health_check.interval_ms} ms` : 'off'}.`),
  );
}
