// Keys page: every key (config and runtime, masked) with group, budget, spend, limits and expiry;
// create a runtime key (its plaintext shown once), top up a budget, revoke a runtime key.

import { api, badge, h, limitsText, table, usd, when } from './ui.js';

function status(k) {
  if (k.revoked) return badge('revoked');
  if (k.expires_at && Date.parse(k.expires_at) <= Date.now()) return badge('expired');
  return badge('active');
}

function actions(k, main) {
  const out = [];
  if (k.budget_usd !== null && !k.revoked) {
    const amount = h('input', { type: 'number', step: 'any', placeholder: 'USD', 'aria-label': `top up ${k.name}`, class: 'topup-amount' });
    out.push(amount, h('button', {
      class: 'topup', onclick: async () => {
        await api(`/keys/${encodeURIComponent(k.name)}`, { method: 'PATCH', body: { top_up: Number(amount.value) } });
        keysPage(main);
      },
    }, 'Top up'));
  }
  if (k.source === 'runtime' && !k.revoked) {
    const revoke = h('button', { class: 'danger revoke' }, 'Revoke');
    revoke.addEventListener('click', async () => {
      if (revoke.dataset.confirm !== '1') {
        revoke.dataset.confirm = '1';
        revoke.textContent = 'Confirm revoke';
        return;
      }
      await api(`/keys/${encodeURIComponent(k.name)}`, { method: 'DELETE' });
      keysPage(main);
    });
    out.push(revoke);
  }
  return h('div', { class: 'row-actions' }, out);
}

function createForm(main) {
  const error = h('p', { class: 'error', role: 'alert' });
  const form = h('form', { class: 'inline', id: 'create-key' },
    h('label', {}, 'Name', h('input', { name: 'name', required: true, pattern: '[A-Za-z0-9][\\w.@:\\-]{0,63}' })),
    h('label', {}, 'Group', h('input', { name: 'group', placeholder: 'default' })),
    h('label', {}, 'Budget (USD)', h('input', { name: 'budget', type: 'number', step: 'any', min: '0', placeholder: 'unlimited' })),
    h('label', {}, 'Expires', h('input', { name: 'expires_at', type: 'date' })),
    h('button', { type: 'submit', class: 'primary' }, 'Create key'));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const f = new FormData(form);
    const body = { name: f.get('name') };
    if (f.get('group')) body.group = f.get('group');
    if (f.get('budget')) body.budget = Number(f.get('budget'));
    if (f.get('expires_at')) body.expires_at = `${f.get('expires_at')}T00:00:00Z`;
    try {
      const created = await api('/keys', { method: 'POST', body });
      await keysPage(main);
      main.prepend(h('div', { class: 'secret', id: 'new-key' },
        h('strong', {}, `Key "${created.name}" created. `), 'Copy it now: it is shown only once.', h('br'),
        h('code', { id: 'new-key-value' }, created.key)));
    } catch (err) {
      error.textContent = err.message;
    }
  });
  return [form, error];
}

export async function keysPage(main) {
  const { data } = await api('/keys');
  main.replaceChildren(
    h('h2', {}, 'Keys'),
    h('h3', {}, 'Create a runtime key'),
    ...createForm(main),
    h('h3', {}, `${data.length} keys`),
    table([
      { label: 'Name', value: (k) => k.name },
      { label: 'Source', value: (k) => k.source },
      { label: 'Group', value: (k) => k.group },
      { label: 'Key', value: (k) => h('code', {}, k.source === 'runtime' ? `${k.prefix}…` : '(in gateway.yaml)') },
      { label: 'Budget', value: (k) => (k.budget_usd === null ? 'unlimited' : usd(k.budget_usd)), num: true },
      { label: 'Spent', value: (k) => usd(k.spent_usd), num: true },
      { label: 'Remaining', value: (k) => (k.remaining_usd === null ? '–' : usd(k.remaining_usd)), num: true },
      { label: 'Limits', value: (k) => limitsText(k.limits) },
      { label: 'Models', value: (k) => (k.models ? k.models.join(', ') : 'all') },
      { label: 'Expires', value: (k) => when(k.expires_at) },
      { label: 'Status', value: status },
      { label: '', value: (k) => actions(k, main) },
    ], data, { id: 'keys-table', rowKey: (k) => k.name }),
  );
}
