// PostgreSQL mirror of schema.ts: the same tables, columns, indexes and row types, in pg-core. Times and
// money are bigint (ms since epoch and micro-dollars outgrow int4) read back as JS numbers; booleans are
// real booleans. Changing this file means running `bunx drizzle-kit generate --config drizzle-pg.config.ts`
// and committing src/store/migrations-pg/. The type checks at the bottom keep both schemas' rows identical,
// which is what lets one query-builder body serve both dialects (see dialect.ts).

import { bigint, bigserial, boolean, index, integer, pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core';
import type * as lite from './schema.ts';

const ms = (name: string) => bigint(name, { mode: 'number' });

export const requests = pgTable(
  'requests',
  {
    id: text('id').primaryKey(),
    ts: ms('ts').notNull(),
    keyName: text('key_name'),
    groupName: text('group_name'),
    route: text('route'),
    model: text('model'),
    provider: text('provider'),
    upstreamModel: text('upstream_model'),
    promptTokens: integer('prompt_tokens').notNull().default(0),
    completionTokens: integer('completion_tokens').notNull().default(0),
    cachedTokens: integer('cached_tokens').notNull().default(0),
    usageSource: text('usage_source', { enum: ['upstream', 'estimated', 'none'] }).notNull().default('upstream'),
    costMicros: ms('cost_micros').notNull().default(0),
    status: integer('status').notNull(),
    errorCode: text('error_code'),
    latencyMs: integer('latency_ms'),
    ttftMs: integer('ttft_ms'),
    stream: boolean('stream').notNull().default(false),
    partial: boolean('partial').notNull().default(false),
    configHash: text('config_hash'),
  },
  (t) => [index('requests_key_ts_idx').on(t.keyName, t.ts), index('requests_ts_idx').on(t.ts)],
);

export const attempts = pgTable(
  'attempts',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    requestId: text('request_id').notNull(),
    n: integer('n').notNull(),
    provider: text('provider').notNull(),
    upstreamModel: text('upstream_model'),
    status: integer('status'),
    errorCode: text('error_code'),
    latencyMs: integer('latency_ms'),
    ts: ms('ts').notNull(),
  },
  (t) => [uniqueIndex('attempts_request_n_idx').on(t.requestId, t.n)],
);

export const keySpend = pgTable('key_spend', {
  keyName: text('key_name').primaryKey(),
  spentMicros: ms('spent_micros').notNull().default(0),
  budgetAdjustMicros: ms('budget_adjust_micros').notNull().default(0),
  updatedAt: ms('updated_at').notNull(),
});

export const runtimeKeys = pgTable('runtime_keys', {
  name: text('name').primaryKey(),
  digest: text('digest').notNull().unique(),
  prefix: text('prefix').notNull(),
  groupName: text('group_name').notNull().default('default'),
  budgetMicros: ms('budget_micros'),
  expiresAt: ms('expires_at'),
  models: text('models').notNull().default('[]'),
  allowIps: text('allow_ips').notNull().default('[]'),
  limits: text('limits'),
  revokedAt: ms('revoked_at'),
  createdAt: ms('created_at').notNull(),
});

export const jobs = pgTable(
  'jobs',
  {
    id: text('id').primaryKey(),
    keyName: text('key_name'),
    kind: text('kind').notNull(),
    status: text('status').notNull(),
    requestJson: text('request_json').notNull(),
    resultJson: text('result_json'),
    errorJson: text('error_json'),
    createdAt: ms('created_at').notNull(),
    updatedAt: ms('updated_at').notNull(),
  },
  (t) => [index('jobs_key_created_idx').on(t.keyName, t.createdAt)],
);

export const cacheEntries = pgTable(
  'cache_entries',
  {
    hash: text('hash').primaryKey(),
    body: text('body').notNull(),
    status: integer('status').notNull().default(200),
    createdAt: ms('created_at').notNull(),
    expiresAt: ms('expires_at').notNull(),
    sizeBytes: integer('size_bytes').notNull(),
    hits: integer('hits').notNull().default(0),
  },
  (t) => [index('cache_expires_idx').on(t.expiresAt), index('cache_created_idx').on(t.createdAt)],
);

export const responses = pgTable(
  'responses',
  {
    id: text('id').primaryKey(),
    keyName: text('key_name').notNull(),
    createdAt: ms('created_at').notNull(),
    model: text('model'),
    previousResponseId: text('previous_response_id'),
    inputJson: text('input_json').notNull(),
    responseJson: text('response_json').notNull(),
  },
  (t) => [index('responses_key_created_idx').on(t.keyName, t.createdAt)],
);

export const schema = { requests, attempts, keySpend, runtimeKeys, jobs, cacheEntries, responses };

// Compile-time proof that every table reads and writes the same row shape on both dialects.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Rows<S> = { [K in keyof S]: S[K] extends { $inferSelect: infer R } ? R : never };
type Inserts<S> = { [K in keyof S]: S[K] extends { $inferInsert: infer R } ? R : never };
const sameRows: Same<Rows<typeof schema>, Rows<typeof lite.schema>> = true;
const sameInserts: Same<Inserts<typeof schema>, Inserts<typeof lite.schema>> = true;
void sameRows;
void sameInserts;
