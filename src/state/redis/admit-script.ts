// The admission script: a batch of admissions (the requests of one event-loop turn, or those queued while
// the previous batch was in flight) evaluated in ONE atomic Lua call with one TIME. Each admission runs in
// order exactly as if it had its own call: all rules of a request (key, group, model, global) and its budget
// are checked, then committed together, or nothing is counted for it; a refused admission affects the ones
// after it only through nothing (it counts nothing), an admitted one through the counters it took. The data
// layout is described in ./scripts.ts.

import { script } from './client.ts';
import { LONE } from './admit-lone.ts';
import { CLOCK, HELPERS } from './scripts.ts';

/**
 * The call's deadline, right after CLOCK and before anything is read or written: the last argument, in
 * Redis's clock (ms; 0 = none). A call that runs past it (it waited in a stalled Redis while the process
 * timed it out and answered its requests) writes nothing and answers {'expired'} (flat, whatever the layout).
 */
const DEADLINE = `
local deadline = ARGV[#ARGV] + 0
if deadline > 0 and now > deadline then return {'expired'} end
`;

/**
 * A lone admission whose rule hashes are distinct: the layout of ./admit-lone.ts (LONE_ARGS), its own reply.
 * Otherwise (a batch): KEYS: live, then every key the admissions refer to (by 1-based index into KEYS).
 * ARGV: nShapes, count, expireMs (the rule hashes' expiry), then per shape (the rule set of a key × model,
 * shared by its admissions): budget key index, nRules, per rule (rule hash key index, rpm, tpm, conc; -1 =
 * none), budget limit (micros or -1 = unlimited), group budget key index (0 = the key's group has no budget),
 * group budget limit (micros; -1 when none); then per admission: shape (1-based), node, tokens, amount.
 * Both layouts end with the call's deadline (DEADLINE above), which the layouts' own indices never reach.
 * Returns {'expired'} past the deadline, else one reply per admission, in order:
 *         {'ok', bucket, per rule: rpmUsed, rpmResetMs, tpmUsed, tpmResetMs}
 *       | {'deny', rule, dim, limit, waitMs(-1 never)} | {'quota', budget, spent, reserved, amount[, 'g']}
 *       | {'seed'[, 'g']} (budget hash not seeded: load from SQL, retry) | {'node'} (this node's id lapsed: take a new one).
 * 'g': the group's budget (the key's own fits, or the key has none). A shape with a group budget always takes
 * the batch layout (the lone fast path knows one budget); the same amount is then reserved on both hashes.
 */
export const ADMIT = script(CLOCK + DEADLINE + LONE + HELPERS + `
local lk = KEYS[1]
-- A lone call (./admit-lone.ts's layout, mode 'c' or 'n') that fell through, or a batch.
local lone = mode == 'c' or mode == 'n'
local E = num(lone and ARGV[6] or ARGV[3])

-- ms until need more fits under lim in window p of w (0 now, -1 never)
local function wait_for(w, p, sum, need, lim)
  if sum + need <= lim then return 0 end
  if need > lim then return -1 end
  local freed, o = 0, w[p .. 'o']
  while o <= cur do
    local last = math.min(cur, o + 63)
    local names = {}
    for x = o, last do names[#names + 1] = fmt('%s%d', p, x % SLOTS) end
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

-- A rule hash holds up to 1,205 window fields: a value longer than hash-max-listpack-value (64) makes it a
-- real hash table from its first write, where a listpack (up to 512 entries by default) is searched field by
-- field. A literal: built once when the script is loaded, not on every call.
local PAD = '-----------------------------------------------------------------'

-- What the batch has read, kept up to date in memory as its admissions commit; written once at the end.
-- A rule hash: its window fields (as read, then as committed), its live nodes' slots (cv: node -> slots,
-- cs: their sum) and 'pend' (field -> value to write, including what dropping old buckets changed). A
-- budget: {reserved, spent, adjust, pend = node -> amount to add}. The script is atomic, so nobody sees the state
-- between two admissions of one batch.
local wins, budgets = {}, {}
-- The live nodes' slot fields (c:<node>), named once per call.
local cnames = nil

local function window(h, conc)
  local w = wins[h]
  if w ~= nil then return w end
  local f
  if conc then
    if cnames == nil then
      alive(lk, '')
      cnames = {}
      for j = 1, #livelist do cnames[j] = 'c:' .. livelist[j] end
    end
    f = redis.call('HMGET', h, 'lv', 'rs', 'ts', 'ro', 'to', rcur, tcur, 'x', unpack(cnames))
  else
    f = redis.call('HMGET', h, 'lv', 'rs', 'ts', 'ro', 'to', rcur, tcur, 'x')
  end
  local x = num(f[8])
  w = {h = h, lv = num(f[1]), rs = num(f[2]) or 0, ts = num(f[3]) or 0,
    ro = num(f[4]) or (cur + 1), to = num(f[5]) or (cur + 1), rc = num(f[6]), tc = num(f[7]),
    fresh = false, renew = x == nil or x - now < E / 2, cv = nil, cs = 0, pend = {}}
  if conc then
    w.cv = {}
    for j = 1, #livelist do
      local v = num(f[8 + j])
      if v ~= nil then w.cv[livelist[j]] = v; w.cs = w.cs + v end
    end
  end
  local set = w.pend
  if w.lv == nil then
    w.lv, w.rs, w.ts, w.ro, w.to, w.rc, w.tc, w.fresh = live, 0, 0, cur + 1, cur + 1, nil, nil, true
  elseif w.lv < live then
    if live - w.lv >= SLOTS then
      -- Idle for a whole window: every bucket is out of it. The live nodes' slots stay (written back now,
      -- even if every admission is refused); dead nodes' fields go.
      redis.call('DEL', h)
      w.rs, w.ts, w.ro, w.to, w.rc, w.tc, w.fresh = 0, 0, cur + 1, cur + 1, nil, nil, true
      local keep = {'_', PAD, 'lv', live, 'x', now + E}
      if w.cv ~= nil then for node, v in pairs(w.cv) do keep[#keep + 1] = 'c:' .. node; keep[#keep + 1] = v end end
      redis.call('HSET', h, unpack(keep))
      redis.call('PEXPIRE', h, E)
      w.fresh, w.renew = false, false
    else
      local names = {}
      for y = w.lv, live - 1 do names[#names + 1] = fmt('r%d', y % SLOTS); names[#names + 1] = fmt('t%d', y % SLOTS) end
      local vals = redis.call('HMGET', h, unpack(names))
      for j = 1, #vals, 2 do w.rs = w.rs - (num(vals[j]) or 0); w.ts = w.ts - (num(vals[j + 1]) or 0) end
      redis.call('HDEL', h, unpack(names))
      -- The current bucket's slot held the bucket one window ago (just dropped): it starts empty.
      if w.lv <= cur - SLOTS then w.rc, w.tc = nil, nil end
      if w.ro < live then w.ro = first_used(h, 'r', live) end
      if w.to < live then w.to = first_used(h, 't', live) end
      -- Written at the end of the call even if every admission is refused: the buckets it dropped are gone.
      set.rs, set.ts, set.ro, set.to = w.rs, w.ts, w.ro, w.to
    end
    w.lv = live
    set.lv = live
  end
  wins[h] = w
  return w
end

local function account(bh)
  local a = budgets[bh]
  if a == nil then
    local reserved, spent, adjust = held(bh, lk)
    a = {reserved = reserved, spent = spent, adjust = adjust, pend = {}}
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

-- One admission of shape s (budget key bh, n rules r[i] = {rule hash key, rpm, tpm, conc}, limit; gbh, glimit:
-- the group's budget hash and limit, gbh nil when the group has none).
local function admit(s, node, tokens, amount)
  local n, bh, limit, gbh = s.n, s.bh, s.limit, s.gbh
  local needsNode = s.conc or ((limit >= 0 or gbh ~= nil) and amount > 0)
  if needsNode and not alive(lk, node) then return {'node'} end

  deny = nil

  for i = 1, n do
    local r = s.r[i]
    local rpm, tpm, conc = r[2], r[3], r[4]
    if rpm >= 0 or tpm >= 0 or conc >= 0 then
      local w = window(r[1], conc >= 0)
      if rpm >= 0 then
        local wait = wait_for(w, 'r', w.rs, 1, rpm)
        if wait ~= 0 then consider(i, 'rpm', rpm, wait) end
      end
      if tpm >= 0 and tokens > 0 then
        local wait = wait_for(w, 't', w.ts, tokens, tpm)
        if wait ~= 0 then consider(i, 'tpm', tpm, wait) end
      end
      if conc >= 0 and w.cs >= conc then consider(i, 'concurrency', conc, 1000) end
    end
  end
  if deny ~= nil then return {'deny', deny[1], deny[2], deny[3], deny[4]} end

  local bud = account(bh)
  if bud.spent == nil then return {'seed'} end
  local gb = nil
  if gbh ~= nil then
    gb = account(gbh)
    if gb.spent == nil then return {'seed', 'g'} end
  end
  if limit >= 0 then
    local budget = limit + num(bud.adjust or '0')
    local spent = num(bud.spent)
    if spent + bud.reserved + amount > budget then return {'quota', budget, spent, bud.reserved, amount} end
  end
  if gb ~= nil then
    local budget = s.glimit + num(gb.adjust or '0')
    local spent = num(gb.spent)
    if spent + gb.reserved + amount > budget then return {'quota', budget, spent, gb.reserved, amount, 'g'} end
    if amount > 0 then
      gb.reserved = gb.reserved + amount
      gb.pend[node] = (gb.pend[node] or 0) + amount
    end
  end
  if limit >= 0 and amount > 0 then
    bud.reserved = bud.reserved + amount
    bud.pend[node] = (bud.pend[node] or 0) + amount
  end

  -- Sized for two rules (key and group) in one allocation; the entries past 2 + 4n are cleared below.
  local out = {'ok', cur, 0, 0, 0, 0, 0, 0, 0, 0}
  for i = 1, n do
    local r = s.r[i]
    local rpm, tpm, conc = r[2], r[3], r[4]
    local w = nil
    if rpm >= 0 or tpm >= 0 or conc >= 0 then w = wins[r[1]] end
    local rpmUsed, rpmReset, tpmUsed, tpmReset = 0, 0, 0, 0
    if w ~= nil then
      local set = w.pend
      if rpm >= 0 then
        if w.rs <= 0 or w.ro > cur then w.ro = cur; set.ro = cur end
        w.rs = w.rs + 1
        w.rc = (w.rc or 0) + 1
        set.rs = w.rs; set[rcur] = w.rc
      end
      if tpm >= 0 and tokens > 0 then
        if w.ts <= 0 or w.to > cur then w.to = cur; set.to = cur end
        w.ts = w.ts + tokens
        w.tc = (w.tc or 0) + tokens
        set.ts = w.ts; set[tcur] = w.tc
      end
      if conc >= 0 then
        local v = (w.cv[node] or 0) + 1
        w.cv[node] = v
        w.cs = w.cs + 1
        set['c:' .. node] = v
      end
      if w.fresh then set.lv = w.lv end
      if w.rs > 0 and w.ro <= cur then rpmUsed, rpmReset = w.rs, math.max(0, w.ro * B + W - now) else rpmUsed = math.max(0, w.rs) end
      if w.ts > 0 and w.to <= cur then tpmUsed, tpmReset = w.ts, math.max(0, w.to * B + W - now) else tpmUsed = math.max(0, w.ts) end
    end
    local o = 4 * i - 1
    out[o], out[o + 1], out[o + 2], out[o + 3] = rpmUsed, rpmReset, tpmUsed, tpmReset
  end
  for o = 3 + 4 * n, 10 do out[o] = nil end
  return out
end

local replies = {}
if lone then
  local n = #KEYS - 2
  local s = {bh = KEYS[2], n = n, r = {}, conc = mode == 'c', limit = num(ARGV[5])}
  for i = 1, n do
    local k = 3 * i + 4
    s.r[i] = {KEYS[i + 2], num(ARGV[k]), num(ARGV[k + 1]), num(ARGV[k + 2])}
  end
  replies[1] = admit(s, ARGV[2], num(ARGV[3]), num(ARGV[4]))
else
  local shapes = {}
  local a = 4
  for k = 1, num(ARGV[1]) do
    local n = num(ARGV[a + 1])
    local s = {bh = KEYS[num(ARGV[a])], n = n, r = {}, conc = false}
    a = a + 2
    for i = 1, n do
      local conc = num(ARGV[a + 3])
      s.r[i] = {KEYS[num(ARGV[a])], num(ARGV[a + 1]), num(ARGV[a + 2]), conc}
      if conc >= 0 then s.conc = true end
      a = a + 4
    end
    s.limit = num(ARGV[a])
    local gi = num(ARGV[a + 1])
    if gi > 0 then s.gbh, s.glimit = KEYS[gi], num(ARGV[a + 2]) end
    a = a + 3
    shapes[k] = s
  end
  for k = 1, num(ARGV[2]) do
    replies[k] = admit(shapes[num(ARGV[a])], ARGV[a + 1], num(ARGV[a + 2]), num(ARGV[a + 3]))
    a = a + 4
  end
end
-- Each rule hash written once (only the fields that changed), its expiry pushed out when half of it is gone
-- (every bucket written must outlive the window; slots held longer are kept by their holders' heartbeats).
for h, w in pairs(wins) do
  local set = {}
  for f, v in pairs(w.pend) do set[#set + 1] = f; set[#set + 1] = fmt('%d', v) end
  if #set > 0 then
    if w.fresh then set[#set + 1] = '_'; set[#set + 1] = PAD end
    if w.renew or w.fresh then set[#set + 1] = 'x'; set[#set + 1] = fmt('%d', now + E) end
    redis.call('HSET', h, unpack(set))
    if w.renew or w.fresh then redis.call('PEXPIRE', h, E) end
  end
end
for bh, b in pairs(budgets) do for node, k in pairs(b.pend) do redis.call('HINCRBY', bh, 'h:' .. node, fmt('%d', k)) end end
if lone then return replies[1] end
return replies
`);
