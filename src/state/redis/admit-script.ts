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
 * ARGV: count, then per admission: node, tokens, budget key index, nRules, per rule (window key index,
 * concurrency key index, rpm, tpm, conc; -1 = none), budget limit (micros or -1 = unlimited), amount.
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
      freed = freed + math.max(0, tonumber(vals[j]) or 0)
      if sum - freed + need <= lim then return math.max(1, (o + j - 1) * B + W - now) end
    end
    o = last + 1
  end
  return W
end

-- A window hash holds up to 1,205 fields: a value longer than hash-max-listpack-value (64) keeps it a real
-- hash table from the start, where a listpack (up to 512 entries by default) is searched field by field.
local PAD = string.rep('-', 65)

-- One admission whose arguments start at ARGV[a]; n rules.
local function admit(a, n)
  local node = ARGV[a]
  local tokens = tonumber(ARGV[a + 1])
  local bh = KEYS[tonumber(ARGV[a + 2])]
  local r0 = a + 4
  local b = r0 + n * 5
  local limit, amount = tonumber(ARGV[b]), tonumber(ARGV[b + 1])
  local needsNode = limit >= 0 and amount > 0
  for i = 1, n do if tonumber(ARGV[r0 + (i - 1) * 5 + 4]) >= 0 then needsNode = true end end
  if needsNode and not alive(lk, node) then return {'node'} end

  local deny = nil
  local function consider(i, dim, lim, wait)
    local w = wait
    if w < 0 then w = 1e15 end
    if deny == nil or w > deny[5] then deny = {i, dim, lim, wait, w} end
  end

  local ws = {}
  for i = 1, n do
    local x = r0 + (i - 1) * 5
    local rpm, tpm, conc = tonumber(ARGV[x + 2]), tonumber(ARGV[x + 3]), tonumber(ARGV[x + 4])
    if rpm >= 0 or tpm >= 0 then
      local h = KEYS[tonumber(ARGV[x])]
      local f = redis.call('HMGET', h, 'lv', 'rs', 'ts', 'ro', 'to', rcur, tcur)
      local w = {h = h, lv = tonumber(f[1]), rs = tonumber(f[2]) or 0, ts = tonumber(f[3]) or 0,
        ro = tonumber(f[4]) or (cur + 1), to = tonumber(f[5]) or (cur + 1), rc = tonumber(f[6]), tc = tonumber(f[7]), fresh = false}
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
          for j = 1, #vals, 2 do w.rs = w.rs - (tonumber(vals[j]) or 0); w.ts = w.ts - (tonumber(vals[j + 1]) or 0) end
          redis.call('HDEL', h, unpack(names))
          if w.ro < live then w.ro = first_used(h, 'r', live) end
          if w.to < live then w.to = first_used(h, 't', live) end
        end
        w.lv = live
        -- Kept even if this request is refused: the buckets it dropped are gone.
        redis.call('HSET', h, 'lv', w.lv, 'rs', w.rs, 'ts', w.ts, 'ro', w.ro, 'to', w.to)
      end
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
      local used = held(KEYS[tonumber(ARGV[x + 1])], lk, '')
      if used >= conc then consider(i, 'concurrency', conc, 1000) end
    end
  end
  if deny ~= nil then return {'deny', deny[1], deny[2], deny[3], deny[4]} end

  local reserved, acct = held(bh, lk, 'h:')
  if acct.spent == nil then return {'seed'} end
  if limit >= 0 then
    local budget = limit + tonumber(acct.adjust or '0')
    local spent = tonumber(acct.spent)
    if spent + reserved + amount > budget then return {'quota', budget, spent, reserved, amount} end
    if amount > 0 then redis.call('HINCRBY', bh, 'h:' .. node, amount) end
  end

  local out = {'ok', cur}
  for i = 1, n do
    local x = r0 + (i - 1) * 5
    local rpm, tpm, conc = tonumber(ARGV[x + 2]), tonumber(ARGV[x + 3]), tonumber(ARGV[x + 4])
    local w = ws[i]
    local rpmUsed, rpmReset, tpmUsed, tpmReset = 0, 0, 0, 0
    if w ~= nil then
      local set = {}
      local new = false
      if rpm >= 0 then
        if w.rs <= 0 or w.ro > cur then w.ro = cur; set[#set + 1] = 'ro'; set[#set + 1] = cur end
        w.rs = w.rs + 1
        new = new or w.rc == nil
        set[#set + 1] = 'rs'; set[#set + 1] = w.rs; set[#set + 1] = rcur; set[#set + 1] = (w.rc or 0) + 1
      end
      if tpm >= 0 and tokens > 0 then
        if w.ts <= 0 or w.to > cur then w.to = cur; set[#set + 1] = 'to'; set[#set + 1] = cur end
        w.ts = w.ts + tokens
        new = new or w.tc == nil
        set[#set + 1] = 'ts'; set[#set + 1] = w.ts; set[#set + 1] = tcur; set[#set + 1] = (w.tc or 0) + tokens
      end
      if w.fresh then set[#set + 1] = 'lv'; set[#set + 1] = w.lv end
      if #set > 0 then redis.call('HSET', w.h, unpack(set)) end
      -- Every bucket is younger than the key's expiry: renewed whenever a new bucket starts.
      if new or w.fresh then redis.call('PEXPIRE', w.h, W + 1000) end
      if w.rs > 0 and w.ro <= cur then rpmUsed, rpmReset = w.rs, math.max(0, w.ro * B + W - now) else rpmUsed = math.max(0, w.rs) end
      if w.ts > 0 and w.to <= cur then tpmUsed, tpmReset = w.ts, math.max(0, w.to * B + W - now) else tpmUsed = math.max(0, w.ts) end
    end
    if conc >= 0 then redis.call('HINCRBY', KEYS[tonumber(ARGV[x + 1])], node, 1) end
    out[#out + 1] = rpmUsed; out[#out + 1] = rpmReset; out[#out + 1] = tpmUsed; out[#out + 1] = tpmReset
  end
  return out
end

local replies = {}
local a = 2
for k = 1, tonumber(ARGV[1]) do
  local n = tonumber(ARGV[a + 3])
  replies[k] = admit(a, n)
  a = a + 6 + n * 5
end
return replies
`);
