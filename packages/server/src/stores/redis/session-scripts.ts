import { MAX_NOTICES_PER_MESSAGE, REVOCATION_NOTICE_VERSION } from '@jwtgate/core';
import { defineScript } from './redis-script.js';

// Shared Lua. Times are integer milliseconds, passed and stored as decimal
// strings: Lua numbers are doubles (exact far beyond 13 digits), and
// string.format('%.0f') writes them back without an exponent. A field that
// is absent stands for null. Every key a script touches is KEYS[1], or a
// session key built from KEYS-derived base + id: the same hash slot.
const PREAMBLE = `
local function ms(n) return string.format('%.0f', n) end
local function ends(f_expires, f_refresh, f_revoked)
  local e = tonumber(f_expires)
  local r = tonumber(f_refresh)
  if r < e then e = r end
  if f_revoked then
    local x = tonumber(f_revoked)
    if x < e then e = x end
  end
  return e
end
local function redis_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
`;

/**
 * The first lines of a script that changes sessions: it takes its fence, a
 * time in Redis's clock, off the front of ARGV and does nothing at all once
 * Redis's clock is past it. The caller sets the fence well inside its own
 * timeout: a command that Redis only gets to after the caller gave up (and
 * answered 503) is refused instead of taking effect unannounced.
 */
const FENCE = `
if redis_ms() > tonumber(table.remove(ARGV, 1)) then
  return redis.error_reply('JWTGATE_FENCED started after its deadline; nothing changed')
end
`;

/** The reply of a fenced script that refused to run. */
export const FENCED_REPLY = 'JWTGATE_FENCED';

/**
 * The one writer of the revocation feed, in Lua, shared by the log's own
 * record script and by every script that revokes sessions, so that a
 * revocation can be stored and announced in the same atomic step.
 *
 * `announcement(own)` takes the announcement's arguments off the front of
 * ARGV (after the fence): the channel, the log's cutoff and its
 * retention. The log's two keys follow the script's `own` keys in KEYS when
 * they are on the same server: with one master (standalone, Sentinel)
 * always; in Redis Cluster never, as they sit in another hash slot, and there
 * the script only publishes and the caller writes the log afterwards.
 *
 * `announce(a, entries)` with `{sessionId, revokedAt, userId}` entries:
 * adds them to the log (sorted set by revocation time, and session id → user
 * id), trims what is older than the cutoff, lets both keys expire once their
 * newest entry is past the retention, and publishes the notices, encoded
 * byte for byte as `encodeRevocationNotices` in core does (JSON.stringify of
 * `{v, revoked: [{sid, sub, at}]}`, at most MAX_NOTICES_PER_MESSAGE a message).
 */
const ANNOUNCE = String.raw`
local function json_char(c)
  if c == '"' then return '\\"' end
  if c == '\\' then return '\\\\' end
  if c == '\b' then return '\\b' end
  if c == '\f' then return '\\f' end
  if c == '\n' then return '\\n' end
  if c == '\r' then return '\\r' end
  if c == '\t' then return '\\t' end
  return string.format('\\u%04x', string.byte(c))
end
local function json_string(s)
  return '"' .. (string.gsub(s, '[%z\001-\031"\\]', json_char)) .. '"'
end
local function publish_notices(channel, entries)
  for first = 1, #entries, ${MAX_NOTICES_PER_MESSAGE} do
    local parts = {}
    for i = first, math.min(first + ${MAX_NOTICES_PER_MESSAGE - 1}, #entries) do
      local e = entries[i]
      parts[#parts + 1] = '{"sid":' .. json_string(e[1]) .. ',"sub":' .. json_string(e[3]) .. ',"at":' .. ms(tonumber(e[2])) .. '}'
    end
    redis.call('PUBLISH', channel, '{"v":${REVOCATION_NOTICE_VERSION},"revoked":[' .. table.concat(parts, ',') .. ']}')
  end
end
local function announcement(own)
  local a = { channel = table.remove(ARGV, 1), cutoff = table.remove(ARGV, 1), retention = tonumber(table.remove(ARGV, 1)) }
  if #KEYS >= own + 2 then a.log, a.users = KEYS[own + 1], KEYS[own + 2] end
  return a
end
local function announce(a, entries)
  if #entries == 0 then return 0 end
  local trimmed = 0
  if a.log then
    for _, e in ipairs(entries) do
      redis.call('ZADD', a.log, e[2], e[1])
      redis.call('HSET', a.users, e[1], e[3])
    end
    local old = redis.call('ZRANGEBYSCORE', a.log, '-inf', '(' .. a.cutoff)
    for j = 1, #old, 1000 do
      redis.call('HDEL', a.users, unpack(old, j, math.min(j + 999, #old)))
    end
    if #old > 0 then redis.call('ZREMRANGEBYSCORE', a.log, '-inf', '(' .. a.cutoff) end
    local newest = redis.call('ZRANGE', a.log, -1, -1, 'WITHSCORES')
    if newest[2] then
      local expire_at = ms(tonumber(newest[2]) + a.retention)
      redis.call('PEXPIREAT', a.log, expire_at)
      redis.call('PEXPIREAT', a.users, expire_at)
    end
    trimmed = #old
  end
  publish_notices(a.channel, entries)
  return trimmed
end
`;

/** Lua for a script that revokes: the shared functions, its fence, then its announcement. */
const REVOKING = (ownKeys: number) => `${PREAMBLE}${ANNOUNCE}${FENCE}local announced = announcement(${ownKeys})
`;

/**
 * Creates a session and, with `maxActive > 0`, revokes the user's oldest
 * active sessions beyond the limit and announces them, atomically. Also
 * forgets index entries whose session Redis already expired, and keeps the
 * index alive as long as its longest-lived session.
 *
 * KEYS: session, user index (, revocation log keys). ARGV: fence, announcement
 * (3), session id, session-key base, now, maxActive, retention, createdAt,
 * session expire-at, expiresAt, field/value pairs…
 * Returns the ids it revoked.
 */
export const createSessionScript = defineScript(
  'create',
  `${REVOKING(2)}
if redis.call('EXISTS', KEYS[1]) == 1 then return redis.error_reply('ERR jwtgate session id already exists') end
redis.call('HSET', KEYS[1], unpack(ARGV, 9))
redis.call('PEXPIREAT', KEYS[1], ARGV[7])
redis.call('ZADD', KEYS[2], ARGV[6], ARGV[1])
local sid, base = ARGV[1], ARGV[2]
local now, max_active, retention = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local latest = tonumber(ARGV[8])
local active = {}
for _, id in ipairs(redis.call('ZREVRANGE', KEYS[2], 0, -1)) do
  if id ~= sid then
    local f = redis.call('HMGET', base .. id, 'expiresAt', 'refreshExpiresAt', 'revokedAt')
    if not f[1] then
      redis.call('ZREM', KEYS[2], id)
    else
      local e = tonumber(f[1])
      if e > latest then latest = e end
      if not f[3] and e > now and tonumber(f[2]) > now then active[#active + 1] = id end
    end
  end
end
local evicted, entries = {}, {}
if max_active > 0 then
  local user = redis.call('HGET', KEYS[1], 'userId')
  for i = max_active, #active do
    local key = base .. active[i]
    redis.call('HSET', key, 'revokedAt', ARGV[3], 'revokeReason', 'session-limit')
    redis.call('PEXPIREAT', key, ms(now + retention))
    evicted[#evicted + 1] = active[i]
    entries[#entries + 1] = { active[i], ARGV[3], user }
  end
end
redis.call('PEXPIREAT', KEYS[2], ms(latest + retention))
announce(announced, entries)
return evicted
`,
);

/**
 * The refresh-token compare-and-swap: moves the session from generation
 * `from` with hash `fromHash` to the next, only if it is still there and not
 * revoked. Returns 1 for the one winner, 0 for everyone else.
 *
 * KEYS: session. ARGV: fence, fromGeneration, fromHash, toHash, now,
 * refreshExpiresAt, retention, has-ip (1/0), ip, has-agent (1/0), agent.
 */
export const rotateSessionScript = defineScript(
  'rotate',
  `${PREAMBLE}${FENCE}
local f = redis.call('HMGET', KEYS[1], 'generation', 'currentHash', 'revokedAt', 'expiresAt')
if not f[1] or f[3] or f[1] ~= ARGV[1] or f[2] ~= ARGV[2] then return 0 end
redis.call('HSET', KEYS[1], 'generation', ms(tonumber(f[1]) + 1), 'previousHash', ARGV[2], 'currentHash', ARGV[3],
  'rotatedAt', ARGV[4], 'lastUsedAt', ARGV[4], 'refreshExpiresAt', ARGV[5])
if ARGV[7] == '1' then redis.call('HSET', KEYS[1], 'ip', ARGV[8]) else redis.call('HDEL', KEYS[1], 'ip') end
if ARGV[9] == '1' then redis.call('HSET', KEYS[1], 'userAgent', ARGV[10]) else redis.call('HDEL', KEYS[1], 'userAgent') end
redis.call('PEXPIREAT', KEYS[1], ms(ends(f[4], ARGV[5], nil) + tonumber(ARGV[6])))
return 1
`,
);

/**
 * Revokes one session (of one user, when given) and announces it. Returns
 * `{userId, revokedAt, '1'}` when this call revoked it, `{userId, revokedAt, '0'}`
 * when it already was, nil otherwise. One already revoked within the
 * retention is announced again: a logout retried after a lost answer repairs
 * an announcement that never went out (a crash of a Cluster instance, or of
 * an older version, between its two steps).
 *
 * KEYS: session (, revocation log keys). ARGV: fence, announcement (3), now,
 * reason, retention, check-user (1/0), userId, session id.
 */
export const revokeSessionScript = defineScript(
  'revoke',
  `${REVOKING(1)}
local f = redis.call('HMGET', KEYS[1], 'userId', 'revokedAt', 'expiresAt', 'refreshExpiresAt')
if not f[1] or (ARGV[4] == '1' and f[1] ~= ARGV[5]) then return false end
if f[2] then
  if tonumber(ARGV[1]) - tonumber(f[2]) <= tonumber(ARGV[3]) then announce(announced, { { ARGV[6], f[2], f[1] } }) end
  return { f[1], f[2], '0' }
end
redis.call('HSET', KEYS[1], 'revokedAt', ARGV[1], 'revokeReason', ARGV[2])
redis.call('PEXPIREAT', KEYS[1], ms(ends(f[3], f[4], ARGV[1]) + tonumber(ARGV[3])))
announce(announced, { { ARGV[6], ARGV[1], f[1] } })
return { f[1], ARGV[1], '1' }
`,
);

/**
 * Revokes every unrevoked session of a user but one, which, with a credential
 * version, moves to it if it is still unrevoked; announces those it revoked,
 * and again those already revoked within the retention (as `revoke` does).
 * Returns `{revokedIds, {alreadyRevokedId, revokedAt}…}`.
 *
 * KEYS: user index (, revocation log keys). ARGV: fence, announcement (3),
 * session-key base, now, reason, retention, has-except (1/0), exceptId,
 * credential version for the spared session ('' for none), userId.
 */
export const revokeAllScript = defineScript(
  'revoke-all',
  `${REVOKING(1)}
local base, now, retention = ARGV[1], ARGV[2], tonumber(ARGV[4])
local revoked, already = {}, {}
for _, id in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  if ARGV[5] == '1' and id == ARGV[6] then
    local key = base .. id
    if ARGV[7] and ARGV[7] ~= '' then
      local f = redis.call('HMGET', key, 'revokedAt', 'expiresAt')
      if f[2] and not f[1] then redis.call('HSET', key, 'credentialVersion', ARGV[7]) end
    end
  else
    local key = base .. id
    local f = redis.call('HMGET', key, 'revokedAt', 'expiresAt', 'refreshExpiresAt')
    if not f[2] then
      redis.call('ZREM', KEYS[1], id)
    elseif f[1] then
      already[#already + 1] = { id, f[1] }
    else
      redis.call('HSET', key, 'revokedAt', now, 'revokeReason', ARGV[3])
      redis.call('PEXPIREAT', key, ms(ends(f[2], f[3], now) + retention))
      revoked[#revoked + 1] = id
    end
  end
end
local entries = {}
for _, id in ipairs(revoked) do entries[#entries + 1] = { id, now, ARGV[8] } end
for _, pair in ipairs(already) do
  if tonumber(now) - tonumber(pair[2]) <= retention then entries[#entries + 1] = { pair[1], pair[2], ARGV[8] } end
end
announce(announced, entries)
return { revoked, already }
`,
);

/**
 * The user's active sessions, newest first, each as `{id, field, value, …}`.
 *
 * KEYS: user index. ARGV: session-key base, now.
 */
export const listActiveScript = defineScript(
  'list-active',
  `${PREAMBLE}
local now = tonumber(ARGV[2])
local out = {}
for _, id in ipairs(redis.call('ZREVRANGE', KEYS[1], 0, -1)) do
  local h = redis.call('HGETALL', ARGV[1] .. id)
  if #h > 0 then
    local m = {}
    for i = 1, #h, 2 do m[h[i]] = h[i + 1] end
    if not m.revokedAt and tonumber(m.expiresAt) > now and tonumber(m.refreshExpiresAt) > now then
      table.insert(h, 1, id)
      out[#out + 1] = h
    end
  end
end
return out
`,
);

/**
 * Counts the active sessions (not revoked, not expired) of one user index,
 * reading three fields of each session and returning only a number.
 *
 * KEYS: user index. ARGV: session-key base, now.
 */
export const countActiveScript = defineScript(
  'count-active',
  `${PREAMBLE}
local now = tonumber(ARGV[2])
local active = 0
for _, id in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  local f = redis.call('HMGET', ARGV[1] .. id, 'expiresAt', 'refreshExpiresAt', 'revokedAt')
  if f[1] and not f[3] and tonumber(f[1]) > now and tonumber(f[2]) > now then active = active + 1 end
end
return active
`,
);

/**
 * Deletes the sessions of one user index that ended before `before`, drops
 * index entries whose session is gone, and the index once empty. Returns how
 * many sessions it deleted.
 *
 * KEYS: user index. ARGV: session-key base, before.
 */
export const deleteEndedScript = defineScript(
  'delete-ended',
  `${PREAMBLE}
local before = tonumber(ARGV[2])
local deleted = 0
for _, id in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  local key = ARGV[1] .. id
  local f = redis.call('HMGET', key, 'expiresAt', 'refreshExpiresAt', 'revokedAt')
  if not f[1] then
    redis.call('ZREM', KEYS[1], id)
  elseif ends(f[1], f[2], f[3]) < before then
    redis.call('DEL', key)
    redis.call('ZREM', KEYS[1], id)
    deleted = deleted + 1
  end
end
if redis.call('ZCARD', KEYS[1]) == 0 then redis.call('DEL', KEYS[1]) end
return deleted
`,
);

/**
 * Records revocations in the shared log and publishes their notices, in one
 * step: a subscriber that reads the log after subscribing sees every
 * revocation either there or as a message. Trims entries older than the
 * cutoff, and lets the log expire once everything in it is that old.
 * Returns how many entries it trimmed.
 *
 * KEYS: revoked sorted set, revoked-users hash. ARGV: announcement (channel,
 * cutoff, retention), then (sessionId, revokedAt, userId) triples.
 */
export const recordRevocationsScript = defineScript(
  'record-revocations',
  `${PREAMBLE}${ANNOUNCE}
local announced = announcement(0)
local entries = {}
for i = 1, #ARGV, 3 do entries[#entries + 1] = { ARGV[i], ARGV[i + 1], ARGV[i + 2] } end
return announce(announced, entries)
`,
);

/**
 * Revocations at or after `since`, as `{sessionId, revokedAt, userId}` triples
 * (`userId` is empty if another writer left it out).
 *
 * KEYS: revoked sorted set, revoked-users hash. ARGV: since.
 */
export const listRevokedScript = defineScript(
  'list-revoked',
  `
local entries = redis.call('ZRANGEBYSCORE', KEYS[1], ARGV[1], '+inf', 'WITHSCORES')
local out = {}
for i = 1, #entries, 2 do
  out[#out + 1] = { entries[i], entries[i + 1], redis.call('HGET', KEYS[2], entries[i]) or '' }
end
return out
`,
);

/**
 * After a revoking call whose answer was lost: what Redis holds once the
 * call's fence has passed, so that whatever the call did is announced.
 * Refuses (`JWTGATE_EARLY`) while the fence is still ahead, when the call
 * could yet run. Returns `{userId, revokedAt}` if the session is revoked,
 * an empty list if not or if it is gone.
 *
 * KEYS: session. ARGV: fence.
 */
export const revokedSessionScript = defineScript(
  'revoked-session',
  `${PREAMBLE}
if redis_ms() <= tonumber(ARGV[1]) then return redis.error_reply('JWTGATE_EARLY the call may still run') end
local f = redis.call('HMGET', KEYS[1], 'userId', 'revokedAt')
if f[1] and f[2] then return { f[1], f[2] } end
return {}
`,
);

/**
 * The same for a call on all of a user's sessions (revoke all, a login that
 * evicts): the user's sessions revoked at or after `since`, as
 * `{id, revokedAt}` pairs, once the fence has passed.
 *
 * KEYS: user index. ARGV: fence, session-key base, since.
 */
export const revokedOfUserScript = defineScript(
  'revoked-of-user',
  `${PREAMBLE}
if redis_ms() <= tonumber(ARGV[1]) then return redis.error_reply('JWTGATE_EARLY the call may still run') end
local since = tonumber(ARGV[3])
local out = {}
for _, id in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  local at = redis.call('HGET', ARGV[2] .. id, 'revokedAt')
  if at and tonumber(at) >= since then out[#out + 1] = { id, at } end
end
return out
`,
);
