// Lua scripts for admission on Redis. Each runs atomically on the server with the server's clock (TIME),
// so every gateway process sees one truth: all rules of a request (key, group, model, global) and its
// budget are checked, then committed together, or nothing is counted.
//
// Data per limit rule (prefix:rl:<scope>:<name>:...):
//   :rpm   ZSET  request id → admit time (ms); entries older than 60 s are dropped (sliding window)
//   :tpmz  ZSET  request id → admit time; :tpmh HASH request id → tokens, plus `_sum` = tokens in window
//   :conc  ZSET  request id → lease expiry (ms); a live request renews it; a dead process's lease expires
// Budget per key name (prefix:budget:<name>...):
//   HASH   spent, adjust (top-ups), reserved (micro-dollars)  — `spent` absent = not seeded from SQL yet
//   :resz  ZSET  request id → reservation expiry; :resh HASH request id → reserved micros

import { script } from './client.ts';

const COMMON = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local W = 60000
-- Drops the entries of zset z scored up to \`before\`, their amounts in hash h, and subtracts them from
-- the running total field \`total\` of hash t (token windows keep it in h itself, budgets in the account).
local function purge(z, h, t, total, before)
  while true do
    local old = redis.call('ZRANGEBYSCORE', z, '-inf', before, 'LIMIT', 0, 500)
    if #old == 0 then return end
    local vals = redis.call('HMGET', h, unpack(old))
    local s = 0
    for _, v in ipairs(vals) do s = s + (tonumber(v) or 0) end
    redis.call('HINCRBY', t, total, -s)
    redis.call('HDEL', h, unpack(old))
    redis.call('ZREM', z, unpack(old))
  end
end
local function purge_tokens(tz, th, before) purge(tz, th, th, '_sum', before) end
local function purge_reservations(bh, bz, bv) purge(bz, bv, bh, 'reserved', now) end
`;

/**
 * KEYS: 4 per rule (rpm, tpmz, tpmh, conc), then budget (hash, resz, resh).
 * ARGV: id, tokens, leaseTtlMs, nRules, then per rule (rpm, tpm, conc; -1 = none), then budget
 * (limit micros or -1 = unlimited, amount, 1 to track the key's spend at all).
 * Returns {'ok', per rule: rpmUsed, rpmResetMs, tpmUsed, tpmResetMs} | {'deny', rule, dim, limit, waitMs(-1 never)}
 *       | {'quota', budget, spent, reserved, amount} | {'seed'} (budget hash not seeded: load from SQL, retry).
 */
export const ADMIT = script(COMMON + `
local id = ARGV[1]
local tokens = tonumber(ARGV[2])
local ttl = tonumber(ARGV[3])
local n = tonumber(ARGV[4])
local deny = nil
local function consider(i, dim, limit, wait)
  local w = wait
  if w < 0 then w = 1e15 end
  if deny == nil or w > deny[5] then deny = {i, dim, limit, wait, w} end
end
local status = {}
for i = 1, n do
  local k = (i - 1) * 4
  local a = 4 + (i - 1) * 3
  local rpm, tpm, conc = tonumber(ARGV[a + 1]), tonumber(ARGV[a + 2]), tonumber(ARGV[a + 3])
  local rpmUsed, rpmReset, tpmUsed, tpmReset = 0, 0, 0, 0
  if rpm >= 0 then
    redis.call('ZREMRANGEBYSCORE', KEYS[k + 1], '-inf', now - W)
    rpmUsed = redis.call('ZCARD', KEYS[k + 1])
    local oldest = redis.call('ZRANGE', KEYS[k + 1], 0, 0, 'WITHSCORES')
    if oldest[2] then rpmReset = tonumber(oldest[2]) + W - now end
    if rpm == 0 then consider(i, 'rpm', rpm, -1)
    elseif rpmUsed + 1 > rpm then consider(i, 'rpm', rpm, rpmReset) end
  end
  if tpm >= 0 then
    purge_tokens(KEYS[k + 2], KEYS[k + 3], now - W)
    tpmUsed = tonumber(redis.call('HGET', KEYS[k + 3], '_sum') or '0')
    local oldest = redis.call('ZRANGE', KEYS[k + 2], 0, 0, 'WITHSCORES')
    if oldest[2] then tpmReset = tonumber(oldest[2]) + W - now end
    if tokens > 0 then
      if tokens > tpm then consider(i, 'tpm', tpm, -1)
      elseif tpmUsed + tokens > tpm then
        -- wait until enough old entries leave the window
        local need = tpmUsed + tokens - tpm
        local freed = 0
        local wait = -1
        local entries = redis.call('ZRANGE', KEYS[k + 2], 0, -1, 'WITHSCORES')
        for j = 1, #entries, 2 do
          freed = freed + (tonumber(redis.call('HGET', KEYS[k + 3], entries[j]) or '0'))
          if freed >= need then wait = tonumber(entries[j + 1]) + W - now break end
        end
        consider(i, 'tpm', tpm, wait)
      end
    end
  end
  if conc >= 0 then
    redis.call('ZREMRANGEBYSCORE', KEYS[k + 4], '-inf', now)
    if redis.call('ZCARD', KEYS[k + 4]) >= conc then consider(i, 'concurrency', conc, 1000) end
  end
  status[i] = {rpmUsed, rpmReset, tpmUsed, tpmReset}
end
if deny ~= nil then return {'deny', deny[1], deny[2], deny[3], deny[4]} end

local b = 4 + n * 3
local bh, bz, bv = KEYS[n * 4 + 1], KEYS[n * 4 + 2], KEYS[n * 4 + 3]
local limit, amount, track = tonumber(ARGV[b + 1]), tonumber(ARGV[b + 2]), tonumber(ARGV[b + 3])
if track == 1 then
  local spent = redis.call('HGET', bh, 'spent')
  if not spent then return {'seed'} end
  if limit >= 0 then
    purge_reservations(bh, bz, bv)
    local reserved = tonumber(redis.call('HGET', bh, 'reserved') or '0')
    local budget = limit + tonumber(redis.call('HGET', bh, 'adjust') or '0')
    if tonumber(spent) + reserved + amount > budget then return {'quota', budget, tonumber(spent), reserved, amount} end
    redis.call('ZADD', bz, now + ttl, id)
    redis.call('HSET', bv, id, amount)
    redis.call('HINCRBY', bh, 'reserved', amount)
  end
end

local out = {'ok'}
for i = 1, n do
  local k = (i - 1) * 4
  local a = 4 + (i - 1) * 3
  local rpm, tpm, conc = tonumber(ARGV[a + 1]), tonumber(ARGV[a + 2]), tonumber(ARGV[a + 3])
  if rpm >= 0 then
    redis.call('ZADD', KEYS[k + 1], now, id)
    redis.call('PEXPIRE', KEYS[k + 1], W + 1000)
    status[i][1] = status[i][1] + 1
    if status[i][2] == 0 then status[i][2] = W end
  end
  if tpm >= 0 and tokens > 0 then
    redis.call('ZADD', KEYS[k + 2], now, id)
    redis.call('HSET', KEYS[k + 3], id, tokens)
    redis.call('HINCRBY', KEYS[k + 3], '_sum', tokens)
    redis.call('PEXPIRE', KEYS[k + 2], W + 1000)
    redis.call('PEXPIRE', KEYS[k + 3], W + 1000)
    status[i][3] = status[i][3] + tokens
    if status[i][4] == 0 then status[i][4] = W end
  end
  if conc >= 0 then
    redis.call('ZADD', KEYS[k + 4], now + ttl, id)
    redis.call('PEXPIRE', KEYS[k + 4], ttl + W)
  end
  for _, v in ipairs(status[i]) do out[#out + 1] = v end
end
return out
`);

/**
 * Settles an admitted request. KEYS as ADMIT. ARGV: id, nRules, actualTokens (-1 = keep the
 * reservation), costMicros, track (1 = add the cost to the key's spend).
 */
export const SETTLE = script(COMMON + `
local id = ARGV[1]
local n = tonumber(ARGV[2])
local actual = tonumber(ARGV[3])
local cost = tonumber(ARGV[4])
local track = tonumber(ARGV[5])
for i = 1, n do
  local k = (i - 1) * 4
  redis.call('ZREM', KEYS[k + 4], id)
  if actual >= 0 then
    local old = redis.call('HGET', KEYS[k + 3], id)
    if old then
      redis.call('HSET', KEYS[k + 3], id, actual)
      redis.call('HINCRBY', KEYS[k + 3], '_sum', actual - tonumber(old))
    end
  end
end
local bh, bz, bv = KEYS[n * 4 + 1], KEYS[n * 4 + 2], KEYS[n * 4 + 3]
local held = redis.call('HGET', bv, id)
if held then
  redis.call('HDEL', bv, id)
  redis.call('ZREM', bz, id)
  redis.call('HINCRBY', bh, 'reserved', -tonumber(held))
end
-- Spend is added only to a seeded account; an unseeded one is rebuilt from the SQL ledger (the truth).
if track == 1 and cost ~= 0 and redis.call('HEXISTS', bh, 'spent') == 1 then redis.call('HINCRBY', bh, 'spent', cost) end
return 1
`);

/** Renews live leases. KEYS: pairs (conc or resz key); ARGV: ttlMs, then the request id of each pair. */
export const RENEW = script(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local ttl = tonumber(ARGV[1])
for i = 1, #KEYS do redis.call('ZADD', KEYS[i], 'XX', now + ttl, ARGV[i + 1]) end
return #KEYS
`);

/** Seeds a key's budget account from the SQL ledger when Redis has none (cold start, flushed Redis). */
export const SEED = script(`
if redis.call('HSETNX', KEYS[1], 'spent', ARGV[1]) == 1 then
  redis.call('HSET', KEYS[1], 'adjust', ARGV[2])
  return 1
end
return 0
`);

/** A key's budget account for views: drops expired reservations first. KEYS: hash, resz, resh. */
export const VIEW = script(COMMON + `
purge_reservations(KEYS[1], KEYS[2], KEYS[3])
return redis.call('HMGET', KEYS[1], 'spent', 'adjust', 'reserved')
`);
