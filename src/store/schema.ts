// Drizzle table definitions for the libsql ledger database: the single source of truth for state
// (usage rows, upstream attempts, spend per key, runtime-issued keys, async jobs, response cache, stored Responses API responses).
// Changing this file means running `bunx drizzle-kit generate` and committing src/store/migrations/, and making
// the same change in schema-pg.ts (the PostgreSQL mirror; its type check fails until both agree).
// Times are integer milliseconds since the epoch; money is integer micro-dollars (DESIGN.md §4).

import { index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';

/** One row per client request, unique by request id. */
export const requests = sqliteTable(
  'requests',
  {
    id: text('id').primaryKey(),
    ts: integer('ts').notNull(),
    keyName: text('key_name'),
    groupName: text('group_name'),
    route: text('route'),
    model: text('model'),
    provider: text('provider'),
    upstreamModel: text('upstream_model'),
    promptTokens: integer('prompt_tokens').notNull().default(0),
    completionTokens: integer('completion_tokens').notNull().default(0),
    cachedTokens: integer('cached_tokens').notNull().default(0),
    /** 'upstream' when the provider reported usage, 'estimated' when counted locally, 'none' without usage (failures). */
    usageSource: text('usage_source', { enum: ['upstream', 'estimated', 'none'] }).notNull().default('upstream'),
    costMicros: integer('cost_micros').notNull().default(0),
    status: integer('status').notNull(),
    errorCode: text('error_code'),
    latencyMs: integer('latency_ms'),
    ttftMs: integer('ttft_ms'),
    stream: integer('stream', { mode: 'boolean' }).notNull().default(false),
    /** Client abort or a stream cut after the first byte. */
    partial: integer('partial', { mode: 'boolean' }).notNull().default(false),
    configHash: text('config_hash'),
  },
  (t) => [index('requests_key_ts_idx').on(t.keyName, t.ts), index('requests_ts_idx').on(t.ts)],
);

/** One row per upstream attempt of a request; (request_id, n) is unique so a retried flush never duplicates. */
export const attempts = sqliteTable(
  'attempts',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    requestId: text('request_id').notNull(),
    n: integer('n').notNull(),
    provider: text('provider').notNull(),
    upstreamModel: text('upstream_model'),
    status: integer('status'),
    errorCode: text('error_code'),
    latencyMs: integer('latency_ms'),
    ts: integer('ts').notNull(),
  },
  (t) => [uniqueIndex('attempts_request_n_idx').on(t.requestId, t.n)],
);

/** Spend per key name; survives restarts. budget_adjust_micros holds admin top-ups (may be negative). */
export const keySpend = sqliteTable('key_spend', {
  keyName: text('key_name').primaryKey(),
  spentMicros: integer('spent_micros').notNull().default(0),
  budgetAdjustMicros: integer('budget_adjust_micros').notNull().default(0),
  updatedAt: integer('updated_at').notNull(),
});

/** Keys issued through the admin API. Only the sha256 digest and a short display prefix are stored. */
export const runtimeKeys = sqliteTable('runtime_keys', {
  name: text('name').primaryKey(),
  digest: text('digest').notNull().unique(),
  prefix: text('prefix').notNull(),
  groupName: text('group_name').notNull().default('default'),
  budgetMicros: integer('budget_micros'),
  expiresAt: integer('expires_at'),
  /** JSON array of model glob patterns; empty = all models. */
  models: text('models').notNull().default('[]'),
  /** JSON array of CIDRs; empty = any address. */
  allowIps: text('allow_ips').notNull().default('[]'),
  /** JSON object {rpm?, tpm?, concurrency?} or null. */
  limits: text('limits'),
  revokedAt: integer('revoked_at'),
  createdAt: integer('created_at').notNull(),
});

/** Async jobs (image generation and similar). */
export const jobs = sqliteTable(
  'jobs',
  {
    id: text('id').primaryKey(),
    keyName: text('key_name'),
    kind: text('kind').notNull(),
    status: text('status').notNull(),
    requestJson: text('request_json').notNull(),
    resultJson: text('result_json'),
    errorJson: text('error_json'),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [index('jobs_key_created_idx').on(t.keyName, t.createdAt)],
);

/** Response cache entries, keyed by a hash of the normalised request. */
export const cacheEntries = sqliteTable(
  'cache_entries',
  {
    hash: text('hash').primaryKey(),
    body: text('body').notNull(),
    status: integer('status').notNull().default(200),
    createdAt: integer('created_at').notNull(),
    expiresAt: integer('expires_at').notNull(),
    sizeBytes: integer('size_bytes').notNull(),
    hits: integer('hits').notNull().default(0),
  },
  (t) => [index('cache_expires_idx').on(t.expiresAt), index('cache_created_idx').on(t.createdAt)],
);

/**
 * Stored Responses API responses (POST /v1/responses with store !== false), readable only by the key
 * that made them. `input_json` is the request's own input items; `response_json` the Response object
 * (reasoning encrypted_content kept, so a continuation can replay it upstream).
 */
export const responses = sqliteTable(
  'responses',
  {
    id: text('id').primaryKey(),
    keyName: text('key_name').notNull(),
    createdAt: integer('created_at').notNull(),
    model: text('model'),
    previousResponseId: text('previous_response_id'),
    inputJson: text('input_json').notNull(),
    responseJson: text('response_json').notNull(),
  },
  (t) => [index('responses_key_created_idx').on(t.keyName, t.createdAt)],
);

/** Everything drizzle needs for relational queries and typed access. */
export const schema = { requests, attempts, keySpend, runtimeKeys, jobs, cacheEntries, responses };
