/*
 * The Redis backend's writes, each one Lua script so it runs atomically on the server: a script
 * that fails (a full quota, a non-number) has changed nothing. Per namespace, under the base
 * `<prefix>{<ns>}:` (one hash slot): `v:<key>` the values (native expiry), `k` a sorted set of
 * the keys (lexicographic listing), `x` a sorted set of expiry times, `s` a hash of key sizes and
 * `u` the usage hash {keys, bytes}. Expired keys leave the bookkeeping on the next write.
 */

const COMMON = `
local base = KEYS[1]
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local function purge()
  local expired = redis.call('ZRANGEBYSCORE', base .. 'x', '-inf', now)
  if #expired == 0 then return end
  local bytes = 0
  for _, k in ipairs(expired) do
    bytes = bytes + tonumber(redis.call('HGET', base .. 's', k) or '0')
    redis.call('HDEL', base .. 's', k)
    redis.call('ZREM', base .. 'k', k)
    redis.call('DEL', base .. 'v:' .. k)
  end
  redis.call('ZREMRANGEBYSCORE', base .. 'x', '-inf', now)
  redis.call('HINCRBY', base .. 'u', 'keys', -#expired)
  redis.call('HINCRBY', base .. 'u', 'bytes', -bytes)
end
purge()
-- Stores value at key (keeping its TTL when ttl is 'keep'), or fails on the quota.
local function store(key, value, ttl, quota, registry, ns)
  local old = tonumber(redis.call('HGET', base .. 's', key) or '-1')
  local oldsize = old >= 0 and old or 0
  local size = #key + #value
  local used = tonumber(redis.call('HGET', base .. 'u', 'bytes') or '0')
  if used - oldsize + size > quota and size > oldsize then
    return redis.error_reply('KV_QUOTA_EXCEEDED ' .. used .. ' ' .. (size - oldsize))
  end
  if ttl == 'keep' then
    redis.call('SET', base .. 'v:' .. key, value, 'KEEPTTL')
  elseif ttl == '' then
    redis.call('SET', base .. 'v:' .. key, value)
    redis.call('ZREM', base .. 'x', key)
  else
    local at = now + tonumber(ttl)
    redis.call('SET', base .. 'v:' .. key, value, 'PXAT', at)
    redis.call('ZADD', base .. 'x', at, key)
  end
  redis.call('HSET', base .. 's', key, size)
  redis.call('ZADD', base .. 'k', 0, key)
  redis.call('HINCRBY', base .. 'u', 'bytes', size - oldsize)
  if old < 0 then redis.call('HINCRBY', base .. 'u', 'keys', 1) end
  redis.call('SADD', registry, ns)
  return nil
end
`

/** KEYS: base; ARGV: key, value, ttl ms or '', quota, registry key, namespace. */
export const PUT = `${COMMON}
local err = store(ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4]), ARGV[5], ARGV[6])
if err then return err end
return 'OK'
`

/** KEYS: base; ARGV: key, by, quota, registry key, namespace. Returns the new value as text. */
export const INCREMENT = `${COMMON}
local current = redis.call('GET', base .. 'v:' .. ARGV[1]) or '0'
if not string.match(current, '^%-?%d+$') or #current > 17 then
  return redis.error_reply('KV_NOT_A_NUMBER')
end
local n = tonumber(current) + tonumber(ARGV[2])
if n > 9007199254740991 or n < -9007199254740991 then
  return redis.error_reply('KV_RANGE')
end
local text = string.format('%d', n)
local err = store(ARGV[1], text, 'keep', tonumber(ARGV[3]), ARGV[4], ARGV[5])
if err then return err end
return text
`

/** KEYS: base; ARGV: key. Returns 1 when the key existed. */
export const DELETE = `${COMMON}
local key = ARGV[1]
local size = redis.call('HGET', base .. 's', key)
if not size then return 0 end
redis.call('DEL', base .. 'v:' .. key)
redis.call('HDEL', base .. 's', key)
redis.call('ZREM', base .. 'k', key)
redis.call('ZREM', base .. 'x', key)
redis.call('HINCRBY', base .. 'u', 'keys', -1)
redis.call('HINCRBY', base .. 'u', 'bytes', -tonumber(size))
return 1
`

/** KEYS: base; ARGV: min, max (ZRANGEBYLEX bounds), count. Returns key, expiry ('' none), ... */
export const LIST = `${COMMON}
local keys = redis.call('ZRANGEBYLEX', base .. 'k', ARGV[1], ARGV[2], 'LIMIT', 0, tonumber(ARGV[3]))
local out = {}
for _, k in ipairs(keys) do
  out[#out + 1] = k
  out[#out + 1] = redis.call('ZSCORE', base .. 'x', k) or ''
end
return out
`

/** KEYS: base. Returns {keys, bytes} after purging. */
export const USAGE = `${COMMON}
local u = redis.call('HMGET', base .. 'u', 'keys', 'bytes')
return { tonumber(u[1] or '0'), tonumber(u[2] or '0') }
`
