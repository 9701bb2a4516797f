// The lone admission's fast path, a Lua fragment of the admission script (./admit-script.ts), placed after
// CLOCK and before everything else: one admission in the call, decided straight-line when nothing unusual is
// in the way; otherwise it falls through, before any write, to the script's general path. Kept apart so the
// script stays readable; the two must decide alike (test/state runs both: lone calls and batches).

/**
 * The lone admission's common case, straight-line (one admission in the call: the usual case below a few
 * hundred requests per second, where its latency is the round trip): every rule's window is current (no
 * bucket to drop), every limit and the budget have room, and no dead node's reservation is in the way. It
 * reads each hash once, decides, then writes each once: no closures, few tables. Anything else (a new or
 * stale window, a refusal, an unseeded budget, a lapsed node, a rule hash named twice) leaves it before any
 * write and falls through to the general path, which reads everything again and decides as for a batch.
 */
export const LONE = `
if ARGV[2] == '1' then repeat
  local E, n, fmt = ARGV[3] + 0, ARGV[5] + 0, string.format
  local at = 6 + 4 * n
  local limit, node, tokens, amount = ARGV[at] + 0, ARGV[at + 2], ARGV[at + 3] + 0, ARGV[at + 4] + 0
  local anyConc, dup = false, false
  for i = 1, n do
    if ARGV[4 * i + 5] ~= '-1' then anyConc = true end
    for j = 1, i - 1 do if ARGV[4 * j + 2] == ARGV[4 * i + 2] then dup = true end end
  end
  if dup then break end
  local cnames = nil
  if anyConc or (limit >= 0 and amount > 0) then
    local all = redis.call('HGETALL', KEYS[1])
    nodes, livelist = {}, {}
    for j = 1, #all, 2 do
      local e = all[j + 1] + 0
      nodes[all[j]] = e
      if e >= now then livelist[#livelist + 1] = all[j] end
    end
    local e = nodes[node]
    if e == nil or e < now then break end
    if anyConc then
      cnames = {}
      for j = 1, #livelist do cnames[j] = 'c:' .. livelist[j] end
    end
  end
  local ok, hs, sets, renew, cnode = true, {}, {}, {}, 'c:' .. node
  local out = {'ok', cur, 0, 0, 0, 0, 0, 0, 0, 0}
  for i = 1, n do
    local k = 4 * i + 2
    local rpm, tpm, conc = ARGV[k + 1] + 0, ARGV[k + 2] + 0, ARGV[k + 3] + 0
    local o = 4 * i - 1
    out[o], out[o + 1], out[o + 2], out[o + 3] = 0, 0, 0, 0
    if rpm >= 0 or tpm >= 0 or conc >= 0 then
      local h = KEYS[ARGV[k] + 0]
      local f
      if conc >= 0 then f = redis.call('HMGET', h, 'lv', 'rs', 'ts', 'ro', 'to', rcur, tcur, 'x', unpack(cnames))
      else f = redis.call('HMGET', h, 'lv', 'rs', 'ts', 'ro', 'to', rcur, tcur, 'x') end
      local lv = num(f[1])
      if lv == nil or lv < live then ok = false; break end
      local rs, ts, ro, to = num(f[2]) or 0, num(f[3]) or 0, num(f[4]) or (cur + 1), num(f[5]) or (cur + 1)
      local set = {}
      if rpm >= 0 then
        if rs + 1 > rpm then ok = false; break end
        if rs <= 0 or ro > cur then ro = cur; set[#set + 1] = 'ro'; set[#set + 1] = fmt('%d', cur) end
        rs = rs + 1
        set[#set + 1] = 'rs'; set[#set + 1] = fmt('%d', rs)
        set[#set + 1] = rcur; set[#set + 1] = fmt('%d', (num(f[6]) or 0) + 1)
      end
      if tpm >= 0 and tokens > 0 then
        if ts + tokens > tpm then ok = false; break end
        if ts <= 0 or to > cur then to = cur; set[#set + 1] = 'to'; set[#set + 1] = fmt('%d', cur) end
        ts = ts + tokens
        set[#set + 1] = 'ts'; set[#set + 1] = fmt('%d', ts)
        set[#set + 1] = tcur; set[#set + 1] = fmt('%d', (num(f[7]) or 0) + tokens)
      end
      if conc >= 0 then
        local cs, own = 0, 0
        for j = 1, #livelist do
          local v = num(f[8 + j]) or 0
          cs = cs + v
          if livelist[j] == node then own = v end
        end
        if cs >= conc then ok = false; break end
        set[#set + 1] = cnode; set[#set + 1] = fmt('%d', own + 1)
      end
      local x = num(f[8])
      if x == nil or x - now < E / 2 then set[#set + 1] = 'x'; set[#set + 1] = fmt('%d', now + E); renew[i] = true end
      hs[i], sets[i] = h, set
      if rs > 0 and ro <= cur then out[o], out[o + 1] = rs, math.max(0, ro * B + W - now) else out[o] = math.max(0, rs) end
      if ts > 0 and to <= cur then out[o + 2], out[o + 3] = ts, math.max(0, to * B + W - now) else out[o + 2] = math.max(0, ts) end
    end
  end
  if not ok then break end
  local bh = KEYS[ARGV[4] + 0]
  local all = redis.call('HGETALL', bh)
  local spent, adjust, reserved = nil, 0, 0
  for j = 1, #all, 2 do
    local f = all[j]
    if f == 'spent' then spent = all[j + 1] + 0
    elseif f == 'adjust' then adjust = all[j + 1] + 0
    elseif string.sub(f, 1, 2) == 'h:' then
      local e = nodes and nodes[string.sub(f, 3)]
      -- A dead node's reservation (to delete), or a reservation with the live hash not read: the general path.
      if e == nil or e < now then ok = false; break end
      reserved = reserved + all[j + 1]
    end
  end
  if not ok or spent == nil then break end
  if limit >= 0 and spent + reserved + amount > limit + adjust then break end
  for i = 1, n do
    local set = sets[i]
    if set ~= nil and #set > 0 then
      redis.call('HSET', hs[i], unpack(set))
      if renew[i] then redis.call('PEXPIRE', hs[i], E) end
    end
  end
  if limit >= 0 and amount > 0 then redis.call('HINCRBY', bh, 'h:' .. node, ARGV[at + 4]) end
  for o = 3 + 4 * n, 10 do out[o] = nil end
  do return {out} end
until true end
`;
