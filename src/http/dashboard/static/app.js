// Dashboard shell: shows the login form or the app, switches pages by #hash, polls the live in-flight
// count, logs out. The admin token is sent once, in a POST body, and never stored by the page.

import { api, h, LoginRequired } from './ui.js';
import { overviewPage } from './overview.js';
import { keysPage } from './keys.js';
import { providersPage } from './providers.js';
import { usagePage } from './usage.js';
import { configPage } from './config.js';

const PAGES = { overview: overviewPage, keys: keysPage, providers: providersPage, usage: usagePage, config: configPage };
const $ = (id) => document.getElementById(id);
let poll;

function showLogin(message = '') {
  clearInterval(poll);
  $('app').hidden = true;
  $('login').hidden = false;
  $('login-error').textContent = message;
  $('token').focus();
}

async function render() {
  const name = PAGES[location.hash.slice(1)] ? location.hash.slice(1) : 'overview';
  for (const a of document.querySelectorAll('nav a')) a.classList.toggle('active', a.dataset.page === name);
  const main = $('main');
  main.replaceChildren(h('p', { class: 'muted' }, 'loading…'));
  main.dataset.page = name;
  main.dataset.ready = '';
  try {
    await PAGES[name](main);
    main.dataset.ready = name;
  } catch (err) {
    if (err instanceof LoginRequired) return showLogin('Your session ended; log in again.');
    main.replaceChildren(h('p', { class: 'error' }, String(err.message ?? err)));
  }
}

async function refreshInFlight() {
  try {
    const c = await api('/config');
    $('inflight').textContent = String(c.in_flight);
  } catch (err) {
    if (err instanceof LoginRequired) showLogin('Your session ended; log in again.');
  }
}

function showApp() {
  $('login').hidden = true;
  $('app').hidden = false;
  refreshInFlight();
  clearInterval(poll);
  poll = setInterval(refreshInFlight, 5000);
  render();
}

$('login-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const token = $('token').value;
  const res = await fetch('/dashboard/login', { method: 'POST', headers: { 'content-type': 'application/json', 'x-switchyard-dashboard': '1' }, body: JSON.stringify({ token }), credentials: 'same-origin' });
  $('token').value = '';
  if (res.ok) showApp();
  else showLogin((await res.json().catch(() => null))?.error?.message ?? 'Login failed.');
});

$('logout').addEventListener('click', async () => {
  await fetch('/dashboard/logout', { method: 'POST', headers: { 'x-switchyard-dashboard': '1' }, credentials: 'same-origin' });
  showLogin();
});

window.addEventListener('hashchange', () => { if (!$('app').hidden) render(); });

const session = await fetch('/dashboard/api/session', { credentials: 'same-origin' }).then((r) => r.json());
if (session.authenticated) showApp();
else showLogin(location.hash === '#login-failed' ? 'Wrong admin token.' : '');
