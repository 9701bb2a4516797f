// The settle script: applies one batch of settles (./settle-batch.ts aggregates them per rule hash and per
// budget account) atomically and once. Straight-line like the lone admission (./admit-lone.ts): each rule
// hash is read with ONE HMGET (its window's lv, to, ts, the slot fields and the token buckets the batch
// corrects) and written with one HSET (plus one HDEL for the slot fields that reach zero); each budget
// account likewise (spent and the reservation fields). No TIME, no live-node read: a dead node's slot and
// reservation fields are never counted again (a node id never comes back), so releasing them is harmless
// and skipping the check saves two commands. Integers go to Redis as `%d` strings and field names come
// ready-made from the client (no number formatting for them in Lua). The data layout is in ./scripts.ts.

import { script } from './client.ts';
import { BUCKET_MS } from './scripts.ts';

/** Longest list handed to one HMGET/HSET/HDEL (Lua's unpack stops near 8,000 values). */
const CHUNK = 1000;

/**
 * KEYS: the process's sequence key, the rule hashes (each once), then the budget hashes (each once).
 * ARGV: seq, nRules, nBudgets; per rule hash: nConc, nTok, nConc × (field c:<node>, slots to release),
 * nTok × (field t<bucket mod slots>, bucket, token correction); per budget: cost to add, nNodes, nNodes ×
 * (field h:<node>, reservation to release). Returns 1, or 0 when the batch was already applied.
 */
export const SETTLE = script(`
local last = redis.call('GET', KEYS[1])
if last and last + 0 >= ARGV[1] + 0 then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', '3600000')
local fmt, nh, nb = string.format, ARGV[2] + 0, ARGV[3] + 0
-- A hash command over the first n entries of a field list (one call unless a long outage grew the batch).
local function each(cmd, h, list, n)
  if n <= ${CHUNK} then return redis.call(cmd, h, unpack(list, 1, n)) end
  local out = {}
  for s = 1, n, ${CHUNK} do
    local r = redis.call(cmd, h, unpack(list, s, math.min(n, s + ${CHUNK} - 1)))
    if type(r) == 'table' then for j = 1, #r do out[#out + 1] = r[j] end end
  end
  return out
end
local a = 4
for i = 1, nh do
  local h, nc, nt = KEYS[1 + i], ARGV[a] + 0, ARGV[a + 1] + 0
  local c0 = a + 2
  local t0 = c0 + 2 * nc
  a = t0 + 3 * nt
  -- Fields read: lv, to, ts (only with token corrections), then the slot fields, then the bucket fields.
  -- Tables are built presized for the usual shape (one slot field, one bucket): no rehash as they fill.
  local names, base = nil, 0
  if nt > 0 then names, base = {'lv', 'to', 'ts', false, false}, 3 else names = {false, false} end
  for j = 0, nc - 1 do names[base + 1 + j] = ARGV[c0 + 2 * j] end
  for j = 0, nt - 1 do names[base + nc + 1 + j] = ARGV[t0 + 3 * j] end
  local f = each('HMGET', h, names, base + nc + nt)
  local set, ns, del = {false, false, false, false}, 0, nil
  for j = 0, nc - 1 do
    local v = f[base + 1 + j]
    -- A field gone (the hash expired or was reset without this node) has nothing left to release.
    if v then
      v = v - ARGV[c0 + 2 * j + 1]
      if v > 0 then set[ns + 1], set[ns + 2], ns = names[base + 1 + j], fmt('%d', v), ns + 2
      elseif del == nil then del = {names[base + 1 + j]}
      else del[#del + 1] = names[base + 1 + j] end
    end
  end
  local lv = nt > 0 and f[1] and f[1] + 0
  if lv then
    -- to: the oldest bucket holding tokens; kept exact as each correction applies (as the admission does).
    local to0 = nil
    if f[2] then to0 = f[2] + 0 end
    local ts0 = (f[3] or 0) + 0
    local to, ts, low = to0, ts0, nil
    for j = 0, nt - 1 do
      local k = t0 + 3 * j
      local bucket, delta, amount = ARGV[k + 1] + 0, ARGV[k + 2] + 0, f[base + nc + 1 + j]
      -- A bucket that already left the window changes nothing (as in the in-memory window).
      if amount and bucket >= lv and delta ~= 0 then
        amount = amount + delta
        ts = ts + delta
        set[ns + 1], set[ns + 2], ns = ARGV[k], fmt('%d', amount), ns + 2
        if amount > 0 then
          if to == nil or bucket < to then to = bucket end
          if low ~= nil and bucket < low then low = bucket end
        elseif bucket == to then
          -- The oldest bucket emptied: the next one holding tokens is looked up below, once.
          if low == nil or bucket < low then low = bucket end
        end
      end
    end
    if ts ~= ts0 then set[ns + 1], set[ns + 2], ns = 'ts', fmt('%d', ts), ns + 2 end
    if low ~= nil then
      -- Rare: scan the written buckets from the lowest one that matters (nothing before it holds tokens).
      if ns > 0 then each('HSET', h, set, ns) end
      ns = 0
      local t = redis.call('TIME')
      local cur = math.floor((t[1] * 1000 + math.floor(t[2] / 1000)) / ${BUCKET_MS})
      local SLOTS = ${60_000 / BUCKET_MS}
      to = cur + 1
      local o = low
      while o <= cur and to > cur do
        local last = math.min(cur, o + 63)
        local fs = {}
        for b = o, last do fs[#fs + 1] = fmt('t%d', b % SLOTS) end
        local vals = redis.call('HMGET', h, unpack(fs))
        for j = 1, #vals do if vals[j] and vals[j] + 0 > 0 then to = o + j - 1; break end end
        o = last + 1
      end
    end
    if to ~= to0 then set[ns + 1], set[ns + 2], ns = 'to', fmt('%d', to), ns + 2 end
  end
  if ns > 0 then each('HSET', h, set, ns) end
  if del ~= nil then each('HDEL', h, del, #del) end
end
for i = 1, nb do
  local bh, cost, n = KEYS[1 + nh + i], ARGV[a] + 0, ARGV[a + 1] + 0
  local names = {'spent', false}
  for j = 1, n do names[j + 1] = ARGV[a + 2 * j] end
  local f = each('HMGET', bh, names, n + 1)
  local set, ns, del = {false, false}, 0, nil
  for j = 1, n do
    local v = f[j + 1]
    if v then
      v = v - ARGV[a + 2 * j + 1]
      if v > 0 then set[ns + 1], set[ns + 2], ns = names[j + 1], fmt('%d', v), ns + 2
      elseif del == nil then del = {names[j + 1]}
      else del[#del + 1] = names[j + 1] end
    end
  end
  -- Spend is added only to a seeded account; an unseeded one is rebuilt from the SQL ledger (the truth).
  if cost ~= 0 and f[1] then set[ns + 1], set[ns + 2], ns = 'spent', fmt('%d', f[1] + cost), ns + 2 end
  if ns > 0 then each('HSET', bh, set, ns) end
  if del ~= nil then each('HDEL', bh, del, #del) end
  a = a + 2 + 2 * n
end
return 1
`);
