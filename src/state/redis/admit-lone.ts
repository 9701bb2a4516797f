// The lone admission's fast path, a Lua fragment of the admission script (./admit-script.ts), placed after
// CLOCK and the deadline check, before everything else: one admission in the call, decided straight-line when nothing unusual is
// in the way; otherwise it falls through, before any write, to the script's general path. Kept apart so the
// script stays readable; the two must decide alike (test/state runs both: lone calls and batches).

/**
 * A lone call's layout (./admit-batch.ts sends it for one admission whose rule hashes are all distinct):
 * KEYS live, budget, then the rule hashes (n = #KEYS - 2); ARGV mode ('c': some rule has a concurrency
 * limit, 'n': none), node, tokens, amount, budget limit (-1 = unlimited), expireMs, then per rule rpm, tpm,
 * conc (-1 = none), then the call's deadline (./admit-script.ts). The reply is the admission's own (not a list
 * of one).
 */
export const LONE_ARGS = { mode: 1, node: 2, tokens: 3, amount: 4, limit: 5, expire: 6, rules: 7 } as const;

/** The live hash's reply as the general path keeps it (nodes: id -> expiry; livelist: the live ids). */
const LIVE_MAP = `
  nodes, livelist = {}, {}
  for m = 1, #lives, 2 do
    local e = lives[m + 1] + 0
    nodes[lives[m]] = e
    if e >= now then livelist[#livelist + 1] = lives[m] end
  end`;

/**
 * The lone admission's common case, straight-line (the usual case below a few hundred requests per second,
 * where its latency is the round trip): every rule's window is current (no bucket to drop), every limit and
 * the budget have room, and no dead node's reservation is in the way. It reads each hash once, decides, then
 * writes each once. What it costs is mostly Lua, not commands (bench/README.md), so it builds few tables (the
 * live ids' slot fields, one flat array of every rule's HSET arguments, the reply), parses each value once,
 * and leaves what the client knows (the layout, whether any rule counts concurrency, distinct rule hashes)
 * to the client. Anything else (a new or stale window, a refusal, an unseeded budget, a lapsed node) leaves
 * it before any write and falls through to the general path, which reads everything again and decides as
 * for a batch.
 *
 * It leaves a rule hash's expiry (field x) to the general path: a window is current (lv >= live) only in the
 * 100 ms bucket in which the general path last moved lv (a new window, buckets dropped, an idle window reset),
 * and that call pushed the expiry out to at least expireMs / 2 (> 61 s) ahead; so whatever this path writes in
 * that bucket outlives its 60 s window (slots held longer: the holders' heartbeats, as before).
 */
export const LONE = `
local mode, lives = ARGV[1], nil
if mode == 'c' or mode == 'n' then repeat
  local node, tokens, amount, limit = ARGV[2], ARGV[3] + 0, ARGV[4] + 0, ARGV[5] + 0
  local n = #KEYS - 2
  local anyConc = mode == 'c'
  -- The live hash's reply (name, expiry, ...), read when a slot or a reservation is taken; cnames: the live
  -- ids' slot fields.
  local cnames, cnode, nc = nil, nil, 0
  if anyConc or (limit >= 0 and amount > 0) then
    lives = redis.call('HGETALL', KEYS[1])
    local mine = false
    if anyConc then cnames = {} end
    for j = 1, #lives, 2 do
      if lives[j + 1] + 0 >= now then
        if lives[j] == node then mine = true end
        if anyConc then nc = nc + 1; cnames[nc] = 'c:' .. lives[j] end
      end
    end
    if not mine then break end
    cnode = 'c:' .. node
  end
  -- args: per rule, a count c of the HSET arguments that follow it, then those;
  -- made with room for two rules (a constructor of nils: one table allocation, no regrowth).
  local ok, p = true, 1
  local args = {nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil}
  local out = {'ok', cur, 0, 0, 0, 0, 0, 0, 0, 0}
  for i = 1, n do
    local k = 3 * i + 4
    local rpm, tpm, conc = ARGV[k] + 0, ARGV[k + 1] + 0, ARGV[k + 2] + 0
    local o = 4 * i - 1
    out[o], out[o + 1], out[o + 2], out[o + 3] = 0, 0, 0, 0
    local q = p
    args[p] = 0
    if rpm >= 0 or tpm >= 0 or conc >= 0 then
      local f
      if conc >= 0 then f = redis.call('HMGET', KEYS[i + 2], 'lv', 'rs', 'ts', 'ro', 'to', rcur, tcur, unpack(cnames, 1, nc))
      else f = redis.call('HMGET', KEYS[i + 2], 'lv', 'rs', 'ts', 'ro', 'to', rcur, tcur) end
      local lv = f[1]
      if not lv or lv + 0 < live then ok = false; break end
      local rs, ts, ro, to = f[2], f[3], f[4], f[5]
      if rs then rs = rs + 0 else rs = 0 end
      if ts then ts = ts + 0 else ts = 0 end
      if ro then ro = ro + 0 else ro = cur + 1 end
      if to then to = to + 0 else to = cur + 1 end
      if rpm >= 0 then
        if rs + 1 > rpm then ok = false; break end
        if rs <= 0 or ro > cur then ro = cur; args[q + 1] = 'ro'; args[q + 2] = fmt('%d', cur); q = q + 2 end
        rs = rs + 1
        local rc = f[6]
        if rc then rc = rc + 1 else rc = 1 end
        args[q + 1] = 'rs'; args[q + 2] = fmt('%d', rs); args[q + 3] = rcur; args[q + 4] = fmt('%d', rc); q = q + 4
      end
      if tpm >= 0 and tokens > 0 then
        if ts + tokens > tpm then ok = false; break end
        if ts <= 0 or to > cur then to = cur; args[q + 1] = 'to'; args[q + 2] = fmt('%d', cur); q = q + 2 end
        ts = ts + tokens
        local tc = f[7]
        if tc then tc = tc + tokens else tc = tokens end
        args[q + 1] = 'ts'; args[q + 2] = fmt('%d', ts); args[q + 3] = tcur; args[q + 4] = fmt('%d', tc); q = q + 4
      end
      if conc >= 0 then
        local cs, own = 0, 0
        for j = 1, nc do
          local v = f[7 + j]
          if v then
            v = v + 0
            cs = cs + v
            if cnames[j] == cnode then own = v end
          end
        end
        if cs >= conc then ok = false; break end
        args[q + 1] = cnode; args[q + 2] = fmt('%d', own + 1); q = q + 2
      end
      args[p] = q - p
      if rs > 0 then
        out[o] = rs
        if ro <= cur then local r = ro * B + W - now; if r > 0 then out[o + 1] = r end end
      end
      if ts > 0 then
        out[o + 2] = ts
        if to <= cur then local r = to * B + W - now; if r > 0 then out[o + 3] = r end end
      end
    end
    p = q + 1
  end
  if not ok then break end
  local all = redis.call('HGETALL', KEYS[2])
  local spent, adjust, reserved, hnode = nil, 0, 0, nil
  for j = 1, #all, 2 do
    local f = all[j]
    if f == 'spent' then spent = all[j + 1] + 0
    elseif f == 'adjust' then adjust = all[j + 1] + 0
    else
      -- A dead node's reservation (to delete), or a reservation with the live hash not read: the general path.
      if lives == nil then if string.sub(f, 1, 2) == 'h:' then ok = false; break end
      else
        if hnode == nil then hnode = 'h:' .. node end
        if f == hnode then reserved = reserved + all[j + 1]
        elseif string.sub(f, 1, 2) == 'h:' then
          if nodes == nil then ${LIVE_MAP} end
          local e = nodes[string.sub(f, 3)]
          if e == nil or e < now then ok = false; break end
          reserved = reserved + all[j + 1]
        end
      end
    end
  end
  if not ok or spent == nil then break end
  if limit >= 0 and spent + reserved + amount > limit + adjust then break end
  p = 1
  for i = 1, n do
    local c = args[p]
    if c > 0 then redis.call('HSET', KEYS[i + 2], unpack(args, p + 1, p + c)) end
    p = p + c + 1
  end
  if limit >= 0 and amount > 0 then redis.call('HINCRBY', KEYS[2], hnode or ('h:' .. node), ARGV[4]) end
  for o = 3 + 4 * n, 10 do out[o] = nil end
  do return out end
until true end
-- Falling through: the general path reads the live hash no more.
if lives ~= nil and nodes == nil then ${LIVE_MAP} end
`;
