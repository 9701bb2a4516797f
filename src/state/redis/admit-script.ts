// The admission script: a batch of admissions (the requests of one event-loop turn, or those queued while
// the previous batch was in flight) evaluated in ONE atomic Lua call with one TIME. Each admission runs in
// order exactly as if it had its own call: all rules of a request (key, group, model, global) and its budget
// are checked, then committed together, or nothing is counted for it; a refused admission affects the ones
// after it only through nothing (it counts nothing), an admitted one through the counters it took. The data
// layout is described in ./scripts.ts.

import { script } from './client.ts';
import { COMMON } from './scripts.ts';

/**
 * KEYS: live, then every key the admissions refer to (by 1-based index into KEYS).
 * ARGV: nShapes, count, then per shape (the rule set of a key × model, shared by its admissions): budget
 * key index, nRules, per rule (window key index, concurrency key index, rpm, tpm, conc; -1 = none), budget
 * limit (micros or -1 = unlimited); then per admission: shape (1-based), node, tokens, amount.
 * Returns one reply per admission, in order:
 *         {'ok', bucket, per rule: rpmUsed, rpmResetMs, tpmUsed, tpmResetMs}
 *       | {'deny', rule, dim, limit, waitMs(-1 never)} | {'quota', budget, spent, reserved, amount}
 *       | {'seed'} (budget hash not seeded: load from SQL, retry) | {'node'} (this node's id lapsed: take a new one).
 */
export const ADMIT = script(COMMON + `
local lk = KEYS[1]

-- ms until need more fits under lim in window p of w (0 now, -1 never)
local function wait_for(w, p, sum, need, lim)
  if sum + need <= lim then return 0 end
  if need > lim then return -1 end
  local freed, o = 0, w[p .. 'o']
  while o <= cur do
    local last = math.min(cur, o + 63)
    local names = {}
    for x = o, last do names[#names + 1] = p .. (x % SLOTS) end
    local vals = redis.call('HMGET', w.h, unpack(names))
    for j = 1, #vals do
      local v = num(vals[j]) or 0
      -- The current bucket's amount is in memory (written at the end of the batch).
      if o + j - 1 == cur then v = w[p .. 'c'] or 0 end
      freed = freed + math.max(0, v)
      if sum - freed + need <= lim then return math.max(1, (o + j - 1) * B + W - now) end
    end
    o = last + 1
  end
  return W
end

-- A window hash holds up to 1,205 fields: a value longer than hash-max-listpack-value (64) keeps it a real
-- hash table from the start, where a listpack (up to 512 entries by default) is searched field by field.
local PAD = string.rep('-', 65)

-- What the batch has read, kept up to date in memory as its admissions commit; written once at the end.
-- A window: its fields (as read, then as committed) and 'pend' (field -> value to write). A concurrency
-- hash: {sum of live nodes' slots, pend = node -> slots to add}. A budget: {reserved, acct, pend = node ->
-- amount to add}. The script is atomic, so nobody sees the state between two admissions of one batch.
local wins, concs, budgets = {}, {}, {}

local function window(h)
  local w = wins[h]
  if w ~= nil then return w end
  local f = redis.call('HMGET', h, 'lv', 'rs', 'ts', 'ro', 'to', rcur, tcur)
  w = {h = h, lv = num(f[1]), rs = num(f[2]) or 0, ts = num(f[3]) or 0,
    ro = num(f[4]) or (cur + 1), to = num(f[5]) or (cur + 1), rc = num(f[6]), tc = num(f[7]), fresh = false,
    pend = {}, expire = false}
  if w.lv == nil then
    w.lv, w.rs, w.ts, w.ro, w.to, w.fresh = live, 0, 0, cur + 1, cur + 1, true
    redis.call('HSET', h, '_', PAD)
  elseif w.lv < live then
    if live - w.lv >= SLOTS then
      redis.call('DEL', h)
      redis.call('HSET', h, '_', PAD)
      w.rs, w.ts, w.ro, w.to, w.rc, w.tc, w.fresh = 0, 0, cur + 1, cur + 1, nil, nil, true
    else
      local names = {}
      for y = w.lv, live - 1 do names[#names + 1] = 'r' .. (y % SLOTS); names[#names + 1] = 't' .. (y % SLOTS) end
      local vals = redis.call('HMGET', h, unpack(names))
      for j = 1, #vals, 2 do w.rs = w.rs - (num(vals[j]) or 0); w.ts = w.ts - (num(vals[j + 1]) or 0) end
      redis.call('HDEL', h, unpack(names))
      if w.ro < live then w.ro = first_used(h, 'r', live) end
      if w.to < live then w.to = first_used(h, 't', live) end
    end
    w.lv = live
    -- Kept even if every admission is refused: the buckets it dropped are gone.
    redis.call('HSET', h, 'lv', w.lv, 'rs', w.rs, 'ts', w.ts, 'ro', w.ro, 'to', w.to)
  end
  wins[h] = w
  return w
end

local function slots(h)
  local c = concs[h]
  if c == nil then
    c = {sum = held(h, lk, ''), pend = {}}
    concs[h] = c
  end
  return c
end

local function account(bh)
  local a = budgets[bh]
  if a == nil then
    local reserved, acct = held(bh, lk, 'h:')
    a = {reserved = reserved, acct = acct, pend = {}}
    budgets[bh] = a
  end
  return a
end

-- The refusal of the admission being checked: the rule whose wait is longest (one closure for the whole call).
local deny = nil
local function consider(i, dim, lim, wait)
  local w = wait
  if w < 0 then w = 1e15 end
  if deny == nil or w > deny[5] then deny = {i, dim, lim, wait, w} end
end

-- One admission of shape s (budget key bh, n rules r[i] = {window key, concurrency key, rpm, tpm, conc}, limit).
local function admit(s, node, tokens, amount)
  local n, bh, limit = s.n, s.bh, s.limit
  local needsNode = s.conc or (limit >= 0 and amount > 0)
  if needsNode and not alive(lk, node) then return {'node'} end

  deny = nil

  local ws = {}
  for i = 1, n do
    local r = s.r[i]
    local rpm, tpm, conc = r[3], r[4], r[5]
    if rpm >= 0 or tpm >= 0 then
      local w = window(r[1])
      ws[i] = w
      if rpm >= 0 then
        local wait = wait_for(w, 'r', w.rs, 1, rpm)
        if wait ~= 0 then consider(i, 'rpm', rpm, wait) end
      end
      if tpm >= 0 and tokens > 0 then
        local wait = wait_for(w, 't', w.ts, tokens, tpm)
        if wait ~= 0 then consider(i, 'tpm', tpm, wait) end
      end
    end
    if conc >= 0 then
      if slots(r[2]).sum >= conc then consider(i, 'concurrency', conc, 1000) end
    end
  end
  if deny ~= nil then return {'deny', deny[1], deny[2], deny[3], deny[4]} end

  local bud = account(bh)
  local acct = bud.acct
  if acct.spent == nil then return {'seed'} end
  if limit >= 0 then
    local budget = limit + num(acct.adjust or '0')
    local spent = num(acct.spent)
    if spent + bud.reserved + amount > budget then return {'quota', budget, spent, bud.reserved, amount} end
    if amount > 0 then
      bud.reserved = bud.reserved + amount
      bud.pend[node] = (bud.pend[node] or 0) + amount
    end
  end

  local out = {'ok', cur}
  for i = 1, n do
    local r = s.r[i]
    local rpm, tpm, conc = r[3], r[4], r[5]
    local w = ws[i]
    local rpmUsed, rpmReset, tpmUsed, tpmReset = 0, 0, 0, 0
    if w ~= nil then
      local set = w.pend
      if rpm >= 0 then
        if w.rs <= 0 or w.ro > cur then w.ro = cur; set.ro = cur end
        w.rs = w.rs + 1
        -- Every bucket is younger than the key's expiry: renewed whenever a new bucket starts.
        if w.rc == nil then w.expire = true end
        w.rc = (w.rc or 0) + 1
        set.rs = w.rs; set[rcur] = w.rc
      end
      if tpm >= 0 and tokens > 0 then
        if w.ts <= 0 or w.to > cur then w.to = cur; set.to = cur end
        w.ts = w.ts + tokens
        if w.tc == nil then w.expire = true end
        w.tc = (w.tc or 0) + tokens
        set.ts = w.ts; set[tcur] = w.tc
      end
      if w.fresh then set.lv = w.lv; w.expire = true end
      if w.rs > 0 and w.ro <= cur then rpmUsed, rpmReset = w.rs, math.max(0, w.ro * B + W - now) else rpmUsed = math.max(0, w.rs) end
      if w.ts > 0 and w.to <= cur then tpmUsed, tpmReset = w.ts, math.max(0, w.to * B + W - now) else tpmUsed = math.max(0, w.ts) end
    end
    if conc >= 0 then
      local c = slots(r[2])
      c.sum = c.sum + 1
      c.pend[node] = (c.pend[node] or 0) + 1
    end
    out[#out + 1] = rpmUsed; out[#out + 1] = rpmReset; out[#out + 1] = tpmUsed; out[#out + 1] = tpmReset
  end
  return out
end

local shapes = {}
local a = 3
for k = 1, num(ARGV[1]) do
  local n = num(ARGV[a + 1])
  local s = {bh = KEYS[num(ARGV[a])], n = n, r = {}, conc = false}
  a = a + 2
  for i = 1, n do
    local rpm, tpm, conc = num(ARGV[a + 2]), num(ARGV[a + 3]), num(ARGV[a + 4])
    s.r[i] = {KEYS[num(ARGV[a])], KEYS[num(ARGV[a + 1])], rpm, tpm, conc}
    if conc >= 0 then s.conc = true end
    a = a + 5
  end
  s.limit = num(ARGV[a])
  a = a + 1
  shapes[k] = s
end
local replies = {}
for k = 1, num(ARGV[2]) do
  replies[k] = admit(shapes[num(ARGV[a])], ARGV[a + 1], num(ARGV[a + 2]), num(ARGV[a + 3]))
  a = a + 4
end
for h, w in pairs(wins) do
  local set = {}
  for f, v in pairs(w.pend) do set[#set + 1] = f; set[#set + 1] = v end
  if #set > 0 then redis.call('HSET', h, unpack(set)) end
  if w.expire then redis.call('PEXPIRE', h, W + 1000) end
end
for h, c in pairs(concs) do for node, k in pairs(c.pend) do redis.call('HINCRBY', h, node, k) end end
for bh, b in pairs(budgets) do for node, k in pairs(b.pend) do redis.call('HINCRBY', bh, 'h:' .. node, k) end end
return replies
`);
