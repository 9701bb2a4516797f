// Lua scripts for admission on Redis. Each runs atomically on the server with the server's clock (one
// TIME per call), so every gateway process sees one truth: all rules of a request (key, group, model,
// global) and its budget are checked, then committed together, or nothing is counted.
//
// Data (prefix p):
//   p:live            HASH  node id → heartbeat expiry (server ms). A node is live while its expiry lies
//                           ahead; a dead node's concurrency slots and budget reservations stop counting at
//                           once (a dead id never returns: a process whose entry lapsed takes a new id).
//   p:w:<rule>        HASH  everything one rule counts, so an admission reads it with one HMGET and writes it
//                           with one HSET: the rpm and tpm sliding 60 s windows as 100 ms buckets (as the
//                           in-memory limiter, limits/sliding-window.ts): r<slot>, t<slot> amounts (slot =
//                           bucket mod 600); rs, ts sums; lv the first bucket still in the window; ro, to the
//                           oldest bucket holding an amount; c:<node> the concurrency slots that node holds
//                           (only live nodes' fields are read; a dead node's go when the window is next reset
//                           or the hash expires); x the expiry we last set (server ms), pushed out to expireMs
//                           when half of it is gone (by the general admission path, which every bucket's first
//                           admission of a rule takes: ./admit-lone.ts) and by the heartbeat of every process
//                           holding slots in it (so a slot held longer than the window's traffic is never
//                           lost); _ a 65-byte pad
//                           that makes the hash a hash table from its first write.
//   p:budget:<name>   HASH  spent, adjust (top-ups), h:<node> reservations held by a node (micro-dollars);
//                           a group budget's account is p:budget:@group:<group> (store/spend-accounts.ts);
//                           `spent` absent = not seeded from SQL yet. Dead nodes' fields are deleted by the
//                           next script that meets them.
//   p:sq:<process>    STRING the last settle batch of that process applied (batches are applied once each;
//                           the settle script is ./settle-script.ts).

import { type ScriptReply, script } from './client.ts';

/** Bucket width and window of the shared windows: the same as the in-memory limiter's. */
export const BUCKET_MS = 100;

/**
 * TIME and the window geometry, first in every admission script: by arithmetic (no math.floor calls; exact,
 * all integers below 2^53), bucket fields named with %d (a number concatenated is formatted with %.14g).
 */
export const CLOCK = `
local t = redis.call('TIME')
local us = t[2] + 0
local now = t[1] * 1000 + (us - us % 1000) / 1000
local W, B, SLOTS = 60000, ${BUCKET_MS}, ${60_000 / BUCKET_MS}
local cur = (now - now % B) / B
-- The first bucket still in the window: floor((now - W) / B) + 1, W being SLOTS buckets.
local live = cur - SLOTS + 1
-- Integers to redis.call as strings made with %d: a number argument is formatted with %.17g (the float path).
local fmt = string.format
-- Bucket b is kept in field r<b mod SLOTS> (t… for tokens): the window never holds two buckets of one slot.
local rcur, tcur = fmt('r%d', cur % SLOTS), fmt('t%d', cur % SLOTS)
-- The live hash, read at most once per call: node id -> heartbeat expiry, and the ids still live.
local nodes, livelist = nil, nil
`;

/** The helpers the admission and view scripts share (after CLOCK). */
export const HELPERS = `
-- A number from a string (nil from nil/false): num() parses its argument twice (lua_isnumber, then
-- lua_tonumber), arithmetic coercion once; every value parsed here is one we wrote or sent.
local function num(s) if s then return s + 0 end return nil end
local function alive(lk, node)
  if nodes == nil then
    nodes, livelist = {}, {}
    local all = redis.call('HGETALL', lk)
    for j = 1, #all, 2 do
      local e = all[j + 1] + 0
      nodes[all[j]] = e
      if e >= now then livelist[#livelist + 1] = all[j] end
    end
  end
  local e = nodes[node]
  return e ~= nil and e >= now
end
-- The first bucket from \`from\` on whose amount (field p..bucket of hash h) is positive; cur + 1 if none.
-- Read 8 buckets first (under steady traffic the next bucket is used: its window's oldest bucket just left
-- and the next one holds the new oldest amount), then 64 at a time.
local function first_used(h, p, from)
  local o, step = from, 7
  while o <= cur do
    local last = math.min(cur, o + step)
    step = 63
    local names = {}
    for b = o, last do names[#names + 1] = fmt('%s%d', p, b % SLOTS) end
    local vals = redis.call('HMGET', h, unpack(names))
    for j = 1, #vals do if (num(vals[j]) or 0) > 0 then return o + j - 1 end end
    o = last + 1
  end
  return cur + 1
end
-- A budget hash's reservations held by live nodes (fields h:<node>; dead ones deleted), spent and adjust.
local function held(h, lk)
  local all = redis.call('HGETALL', h)
  local sum, spent, adjust, dead = 0, nil, nil, nil
  for j = 1, #all, 2 do
    local f = all[j]
    if f == 'spent' then spent = all[j + 1]
    elseif f == 'adjust' then adjust = all[j + 1]
    elseif string.sub(f, 1, 2) == 'h:' then
      if alive(lk, string.sub(f, 3)) then sum = sum + all[j + 1]
      else dead = dead or {}; dead[#dead + 1] = f end
    end
  end
  if dead ~= nil then redis.call('HDEL', h, unpack(dead)) end
  return sum, spent, adjust
end
`;

/** CLOCK and HELPERS: what the view script starts with. */
export const COMMON = CLOCK + HELPERS;

/**
 * This process's heartbeat: KEYS live, then the rule hashes where this process holds concurrency slots; ARGV
 * node, ttlMs, fresh (1 = a new id registers), expireMs. Renews a live entry; a lapsed one is dead for good
 * (0: take a new id). Drops other nodes' lapsed entries. Pushes the expiry of the rule hashes out to
 * expireMs from now (never shortens it), so a slot held longer than the window's own expiry is not lost.
 * Returns {1 or 0, TIME seconds, TIME microseconds}: the time it ran at, for the clock estimate (./clock.ts).
 */
export const HEARTBEAT = script(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local node, ttl, fresh, E = ARGV[1], tonumber(ARGV[2]), ARGV[3] == '1', tonumber(ARGV[4])
for i = 2, #KEYS do
  local x = tonumber(redis.call('HGET', KEYS[i], 'x'))
  if (x == nil or x < now + E) and redis.call('PEXPIRE', KEYS[i], E) == 1 then redis.call('HSET', KEYS[i], 'x', now + E) end
end
local all = redis.call('HGETALL', KEYS[1])
local mine = nil
local dead = {}
for j = 1, #all, 2 do
  local e = tonumber(all[j + 1])
  if all[j] == node then mine = e elseif e < now then dead[#dead + 1] = all[j] end
end
if #dead > 0 then redis.call('HDEL', KEYS[1], unpack(dead)) end
if (mine ~= nil and mine >= now) or (mine == nil and fresh) then
  redis.call('HSET', KEYS[1], node, now + ttl)
  return {1, t[1], t[2]}
end
if mine ~= nil then redis.call('HDEL', KEYS[1], node) end
return {0, t[1], t[2]}
`);

/** The Redis clock (ms) a HEARTBEAT reply read. */
export function heartbeatTime(reply: ScriptReply): number {
  return Array.isArray(reply) ? Number(reply[1]) * 1000 + Number(reply[2]) / 1000 : NaN;
}

/** Seeds a key's budget account from the SQL ledger when Redis has none (cold start, flushed Redis). */
export const SEED = script(`
if redis.call('HSETNX', KEYS[1], 'spent', ARGV[1]) == 1 then
  redis.call('HSET', KEYS[1], 'adjust', ARGV[2])
  return 1
end
return 0
`);

/** A key's budget account for views: {spent, adjust, reserved by live nodes}. KEYS: live, budget hash. */
export const VIEW = script(COMMON + `
local reserved, spent, adjust = held(KEYS[2], KEYS[1])
return {spent or false, adjust or false, reserved}
`);
