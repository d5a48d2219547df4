"""Lua for the Redis stock gate. Every script touches only one sale's three keys,
which share the room's hash tag, so the scripts also run on Redis Cluster.

KEYS[1] gate hash (quantity, sold, limit, starts, ends; times in microseconds; version,
which every reservation moves on), KEYS[2] buyers hash (buyer id -> units held),
KEYS[3] keys hash (buyer:key -> units).
"""

# ARGV: buyer id, "buyer:key" field, quantity, now (microseconds since the epoch).
# Returns {outcome, remaining, units}; the order of checks matches MemoryGate.reserve.
RESERVE = """
local g = redis.call('HMGET', KEYS[1], 'quantity', 'sold', 'limit', 'starts', 'ends')
if not g[1] then return {'missing', 0, 0} end
local remaining = tonumber(g[1]) - tonumber(g[2])
local held = redis.call('HGET', KEYS[3], ARGV[2])
if held then return {'duplicate', remaining, tonumber(held)} end
local now = tonumber(ARGV[4])
if now < tonumber(g[4]) then return {'not_started', remaining, 0} end
if now >= tonumber(g[5]) then return {'ended', remaining, 0} end
local q = tonumber(ARGV[3])
if q > remaining then return {'sold_out', remaining, 0} end
local mine = tonumber(redis.call('HGET', KEYS[2], ARGV[1]) or '0')
if mine + q > tonumber(g[3]) then return {'limit_exceeded', remaining, mine} end
redis.call('HINCRBY', KEYS[1], 'sold', q)
redis.call('HINCRBY', KEYS[1], 'version', 1)
redis.call('HINCRBY', KEYS[2], ARGV[1], q)
redis.call('HSET', KEYS[3], ARGV[2], q)
return {'reserved', remaining - q, q}
"""

# ARGV: buyer id, "buyer:key" field, "1" to forget the key or "0" to keep it at 0.
# Returns the units given back. The key guards the count: a second release finds 0.
RELEASE = """
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local held = redis.call('HGET', KEYS[3], ARGV[2])
if not held then return 0 end
if ARGV[3] == '1' then
  redis.call('HDEL', KEYS[3], ARGV[2])
else
  redis.call('HSET', KEYS[3], ARGV[2], 0)
end
held = tonumber(held)
if held > 0 then
  redis.call('HINCRBY', KEYS[1], 'sold', -held)
  if redis.call('HINCRBY', KEYS[2], ARGV[1], -held) <= 0 then
    redis.call('HDEL', KEYS[2], ARGV[1])
  end
end
return held
"""

# KEYS: gate hash, keys hash. ARGV: the version the caller knows ('' for none).
# Returns {} if the sale is not loaded, else {quantity, sold, version} and, unless the
# version is the known one, the buyer:key fields of every reservation.
HOLDERS = """
local g = redis.call('HMGET', KEYS[1], 'quantity', 'sold', 'version')
if not g[1] then return {} end
local version = g[3] or ''
if version ~= '' and version == ARGV[1] then return {g[1], g[2], version} end
return {g[1], g[2], version, redis.call('HKEYS', KEYS[2])}
"""
