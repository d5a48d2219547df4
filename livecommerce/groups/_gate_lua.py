"""Lua for the Redis seat gate. Each script touches one group's and its offer's keys,
which all carry the room's hash tag, so the scripts also run on Redis Cluster.

KEYS[1] offer hash (stock, sold, limit), KEYS[2] offer buyers hash (buyer -> units),
KEYS[3] group hash (size, taken, expires in microseconds, open), KEYS[4] members hash
(``b:<buyer>`` -> idempotency key, ``u:<buyer>`` -> units).
"""

# ARGV: buyer id, key, quantity, now (microseconds). Returns {outcome, seats left};
# the order of checks matches MemorySeatGate.join.
JOIN = """
local g = redis.call('HMGET', KEYS[3], 'size', 'taken', 'expires', 'open')
local o = redis.call('HMGET', KEYS[1], 'stock', 'sold', 'limit')
if not g[1] or not o[1] then return {'missing', 0} end
local left = tonumber(g[1]) - tonumber(g[2])
local mine = redis.call('HGET', KEYS[4], 'b:' .. ARGV[1])
if mine then
  if mine == ARGV[2] then return {'duplicate', left} end
  return {'member', left}
end
if g[4] ~= '1' then return {'closed', left} end
if tonumber(ARGV[4]) >= tonumber(g[3]) then return {'expired', left} end
if left <= 0 then return {'full', 0} end
local q = tonumber(ARGV[3])
if tonumber(o[1]) - tonumber(o[2]) < q then return {'sold_out', left} end
local units = tonumber(redis.call('HGET', KEYS[2], ARGV[1]) or '0')
if units + q > tonumber(o[3]) then return {'limit_exceeded', left} end
redis.call('HINCRBY', KEYS[3], 'taken', 1)
redis.call('HINCRBY', KEYS[1], 'sold', q)
redis.call('HINCRBY', KEYS[2], ARGV[1], q)
redis.call('HSET', KEYS[4], 'b:' .. ARGV[1], ARGV[2], 'u:' .. ARGV[1], q)
return {'reserved', left - 1}
"""

# ARGV: buyer id. Returns the units the seat held (0 if none: a second release is a no-op).
RELEASE = """
local units = redis.call('HGET', KEYS[4], 'u:' .. ARGV[1])
if not units then return 0 end
units = tonumber(units)
redis.call('HDEL', KEYS[4], 'b:' .. ARGV[1], 'u:' .. ARGV[1])
if redis.call('EXISTS', KEYS[3]) == 1 then redis.call('HINCRBY', KEYS[3], 'taken', -1) end
if redis.call('EXISTS', KEYS[1]) == 1 then
  redis.call('HINCRBY', KEYS[1], 'sold', -units)
  if redis.call('HINCRBY', KEYS[2], ARGV[1], -units) <= 0 then
    redis.call('HDEL', KEYS[2], ARGV[1])
  end
end
return units
"""
