// Admin API for keys, usage and provider health (registered into handleAdmin, which has already
// checked server.admin_token). JSON in and out; money in USD on the wire, micro-dollars inside.
//   POST   /admin/keys             issue a runtime key (plaintext returned once)
//   GET    /admin/keys             every key, config and runtime, masked, with spend
//   GET    /admin/keys/:name       one key
//   PATCH  /admin/keys/:name       top_up (any key); budget, expires_at, models, allow_ips, limits, group (runtime keys)
//   DELETE /admin/keys/:name       revoke a runtime key
//   GET    /admin/groups[/:name]   group budgets; PATCH /admin/groups/:name {"top_up"} (admin-groups.ts)
//   GET    /admin/usage            usage report (?from&to&group_by=key,model,provider,day&key)
//   GET    /admin/providers        see admin-ops.ts (with timeseries, provider tests, compiled config)

import { safeDecode } from './openai-paths.ts';
import { GatewayError } from '../contracts/errors.ts';
import type { CompiledGateway } from '../compile/types.ts';
import type { LedgerServices } from '../runtime/ledger-services.ts';
import type { Runtime } from '../runtime/runtime.ts';
import { KeyConflictError, type RuntimeKey, type RuntimeKeyPatch } from '../store/keys-repo.ts';
import { adjustBudget } from '../store/spend.ts';
import { usageReport, type UsageDimension, type UsageTotals } from '../store/usage-report.ts';
import { adminExtensions, json } from './admin.ts';
import { handleOps } from './admin-ops.ts';
import { handleGroups } from './admin-groups.ts';
import { badRequest, checkFields, checkTopUp, notAllowed, optBudget, optCidrs, optExpiry, optGroup, optLimits, optStrings, parseTime, readJsonObject, usd } from './admin-input.ts';

type Resolve = (rt: Runtime) => LedgerServices | undefined;
let resolveServices: Resolve | undefined;

/** Registers the handlers once; `resolve` finds the services of the runtime a request arrives on. */
export function registerAdminApi(resolve: Resolve): void {
  if (!resolveServices) adminExtensions.push(handle);
  resolveServices = resolve;
}

const iso = (ms: number | undefined | null) => (ms === undefined || ms === null ? null : new Date(ms).toISOString());

async function handle(rt: Runtime, request: Request, url: URL): Promise<Response | undefined> {
  const s = resolveServices?.(rt);
  if (!s) return undefined;
  const path = url.pathname.replace(/\/+$/, '');
  const method = request.method;
  // With shared state, budget views read the live counters every process shares.
  if (s.syncBudgets && path.startsWith('/admin/keys')) {
    await s.syncBudgets([...new Set([...(rt.current().config.keys ?? []).map((k) => k.name), ...s.keys.list().map((k) => k.name)])]);
  }
  if (path === '/admin/keys') {
    if (method === 'GET') return json(200, { object: 'list', data: allKeys(rt, s) });
    if (method === 'POST') return createKey(rt, s, request);
    throw notAllowed(method, path);
  }
  const m = /^\/admin\/keys\/([^/]+)$/.exec(path);
  if (m) {
    const name = safeDecode(m[1]);
    if (method === 'GET') return json(200, keyEntry(rt, s, name) ?? notFound(name));
    if (method === 'PATCH') return patchKey(rt, s, name, request);
    if (method === 'DELETE') return revoke(rt, s, name);
    throw notAllowed(method, path);
  }
  const groups = await handleGroups(rt, s, request, path);
  if (groups) return groups;
  const ops = await handleOps(rt, s, request, url, path);
  if (ops) return ops;
  if (path !== '/admin/usage' && path !== '/admin/providers') return undefined;
  if (method !== 'GET') throw notAllowed(method, path);
  return usage(s, url);
}


function notFound(name: string): never {
  throw new GatewayError({ status: 404, type: 'invalid_request_error', code: 'key_not_found', message: `There is no key named "${name}". GET /admin/keys lists every key.` });
}

/** The listing entry of any key, config or runtime. */
interface KeyFacts {
  name: string;
  source: 'config' | 'runtime';
  group: string;
  prefix: string;
  budgetMicros?: number;
  expiresAt?: number | null;
  revokedAt?: number | null;
  createdAt?: number;
  models?: string[];
  allowIps?: string[];
  limits?: unknown;
}

function entry(s: LedgerServices, k: KeyFacts) {
  const view = s.budgets.view({ name: k.name, budgetMicros: k.budgetMicros });
  return {
    name: k.name, source: k.source, group: k.group, prefix: k.prefix,
    budget_usd: usd(view.budgetMicros), spent_usd: usd(view.spentMicros), remaining_usd: usd(view.remainingMicros), reserved_usd: usd(view.reservedMicros),
    expires_at: iso(k.expiresAt), revoked: Boolean(k.revokedAt), revoked_at: iso(k.revokedAt),
    models: k.models?.length ? k.models : null, allow_ips: k.allowIps?.length ? k.allowIps : null, limits: k.limits ?? null,
    ...(k.createdAt !== undefined ? { created_at: iso(k.createdAt) } : {}),
  };
}

function configFacts(gw: CompiledGateway, name: string): KeyFacts | undefined {
  const k = (gw.config.keys ?? []).find((c) => c.name === name);
  if (!k) return undefined;
  return {
    name: k.name, source: 'config', group: k.group ?? 'default', prefix: '(config)',
    budgetMicros: k.budget === undefined ? undefined : Math.round(k.budget * 1e6),
    expiresAt: k.expires_at ? Date.parse(k.expires_at) : null, models: k.models, allowIps: k.allow_ips, limits: k.limits,
  };
}

function runtimeFacts(k: RuntimeKey): KeyFacts {
  return {
    name: k.name, source: 'runtime', group: k.group, prefix: k.prefix, budgetMicros: k.budgetMicros ?? undefined,
    expiresAt: k.expiresAt, revokedAt: k.revokedAt, createdAt: k.createdAt, models: k.models, allowIps: k.allowIps, limits: k.limits,
  };
}

function keyEntry(rt: Runtime, s: LedgerServices, name: string) {
  const config = configFacts(rt.current(), name);
  if (config) return entry(s, config);
  const runtime = s.keys.get(name);
  return runtime ? entry(s, runtimeFacts(runtime)) : undefined;
}

function allKeys(rt: Runtime, s: LedgerServices) {
  const gw = rt.current();
  const config = (gw.config.keys ?? []).map((k) => entry(s, configFacts(gw, k.name)!));
  return [...config, ...s.keys.list().map((k) => entry(s, runtimeFacts(k)))];
}

const CREATE_FIELDS = ['name', 'group', 'budget', 'expires_at', 'models', 'allow_ips', 'limits'];
const PATCH_FIELDS = ['budget', 'top_up', 'expires_at', 'models', 'allow_ips', 'limits', 'group'];

async function createKey(rt: Runtime, s: LedgerServices, request: Request): Promise<Response> {
  const body = await readJsonObject(request);
  checkFields(body, CREATE_FIELDS);
  const name = body.name;
  if (typeof name !== 'string' || !/^[A-Za-z0-9][\w.@:-]{0,63}$/.test(name)) {
    throw badRequest('name', '"name" is required: 1-64 characters of letters, digits and _ . @ : - (starting with a letter or digit).');
  }
  const gw = rt.current();
  if (configFacts(gw, name) || s.keys.get(name)) {
    throw new GatewayError({ status: 409, type: 'invalid_request_error', code: 'key_exists', param: 'name', message: `A key named "${name}" already exists (names are never reused: spend is kept by name). Choose another name.` });
  }
  try {
    const { key, plaintext } = await s.keys.create({
      name, group: optGroup(body.group, gw) ?? 'default', budgetMicros: optBudget(body.budget, 'budget') ?? null,
      expiresAt: optExpiry(body.expires_at) ?? null, models: optStrings(body.models, 'models') ?? [],
      allowIps: optCidrs(body.allow_ips) ?? [], limits: optLimits(body.limits) ?? null,
    });
    return json(201, { ...entry(s, runtimeFacts(key)), key: plaintext, note: 'Store this key now: the gateway keeps only its sha256 digest and cannot show it again.' });
  } catch (err) {
    if (err instanceof KeyConflictError) throw new GatewayError({ status: 409, type: 'invalid_request_error', code: 'key_exists', param: 'name', message: `A key named "${name}" already exists. Choose another name.` });
    throw err;
  }
}

async function patchKey(rt: Runtime, s: LedgerServices, name: string, request: Request): Promise<Response> {
  const body = await readJsonObject(request);
  checkFields(body, PATCH_FIELDS);
  const gw = rt.current();
  const config = configFacts(gw, name);
  let facts = config ?? (s.keys.get(name) ? runtimeFacts(s.keys.get(name)!) : notFound(name));
  const fields = Object.keys(body).filter((f) => f !== 'top_up');
  if (config && fields.length) {
    throw badRequest(fields[0], `Key "${name}" is defined in gateway.yaml; change ${fields.join(', ')} there (it applies at the next reload). Only "top_up" works through the admin API for config keys.`);
  }
  if (body.top_up === null) throw badRequest('top_up', '"top_up" must be a number of US dollars to add (negative to take back).');
  const topUp = optBudget(body.top_up, 'top_up', true) ?? undefined;
  if (!config && fields.length) {
    const patch: RuntimeKeyPatch = {
      group: optGroup(body.group, gw), budgetMicros: optBudget(body.budget, 'budget'), expiresAt: optExpiry(body.expires_at),
      models: optStrings(body.models, 'models') ?? undefined, allowIps: optCidrs(body.allow_ips) ?? undefined, limits: optLimits(body.limits),
    };
    if (body.models === null) patch.models = [];
    if (body.allow_ips === null) patch.allowIps = [];
    if (topUp !== undefined && patch.budgetMicros === null) throw badRequest('top_up', 'A key without a budget (unlimited) cannot be topped up.');
    facts = runtimeFacts((await s.keys.update(name, patch)) ?? notFound(name));
  }
  if (topUp !== undefined) {
    if (facts.budgetMicros === undefined) {
      throw badRequest('top_up', `Key "${name}" has no budget (it is unlimited), so there is nothing to top up.${config ? ' Set keys[].budget in gateway.yaml first.' : ' Set "budget" first.'}`);
    }
    const budget = s.budgets.view({ name, budgetMicros: facts.budgetMicros }).budgetMicros ?? facts.budgetMicros;
    checkTopUp(`key "${name}"`, budget, topUp, ', or revoke the key to stop it');
    const spend = await adjustBudget(s.store.db, name, topUp);
    s.budgets.setAdjust(name, spend.adjustMicros);
  }
  return json(200, entry(s, facts));
}

async function revoke(rt: Runtime, s: LedgerServices, name: string): Promise<Response> {
  if (configFacts(rt.current(), name)) {
    throw badRequest(null, `Key "${name}" is defined in gateway.yaml and cannot be revoked here: remove it from gateway.yaml (it stops working at the next reload).`);
  }
  const key = (await s.keys.revoke(name)) ?? notFound(name);
  return json(200, entry(s, runtimeFacts(key)));
}

const DIMENSIONS: readonly UsageDimension[] = ['key', 'model', 'provider', 'day'];

async function usage(s: LedgerServices, url: URL): Promise<Response> {
  const q = url.searchParams;
  const groupBy = (q.get('group_by') ?? '').split(',').map((d) => d.trim()).filter(Boolean);
  const bad = groupBy.find((d) => !DIMENSIONS.includes(d as UsageDimension));
  if (bad) throw badRequest('group_by', `Unknown group_by "${bad}"; use a comma list of ${DIMENSIONS.join(', ')}.`);
  const from = parseTime(q.get('from'), 'from');
  const to = parseTime(q.get('to'), 'to');
  await s.writer.flush().catch(() => {}); // include rows still queued; a storage error shows in the logs
  const report = await usageReport(s.store.db, { from, to, groupBy: groupBy as UsageDimension[], keyName: q.get('key') ?? undefined });
  const withUsd = <T extends UsageTotals>(r: T) => ({ ...r, cost_usd: r.cost_micros / 1e6 });
  return json(200, {
    object: 'usage_report', from: iso(report.from), to: iso(report.to), group_by: report.group_by,
    rows: report.rows.map(withUsd), totals: withUsd(report.totals),
  });
}
