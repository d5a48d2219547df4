"""Lua for the Redis claim gate. Each script touches one drop's three keys, which share
the room's hash tag, so they also run on Redis Cluster.

KEYS[1] gate hash (quantity, -1 for unlimited; claimed; limit; ends in microseconds,
0 for none; open, 1 or 0), KEYS[2] buyers hash (buyer id -> coupons claimed),
KEYS[3] keys hash ("buyer:key" -> 1).
"""

# ARGV: buyer id, "buyer:key" field, now (microseconds since the epoch).
# Returns {outcome, remaining (-1: unlimited)}; the order of checks matches MemoryClaimGate.
CLAIM = """
local g = redis.call('HMGET', KEYS[1], 'quantity', 'claimed', 'limit', 'ends', 'open')
if not g[1] then return {'missing', 0} end
local q = tonumber(g[1])
local left = -1
if q >= 0 then left = q - tonumber(g[2]) end
if redis.call('HEXISTS', KEYS[3], ARGV[2]) == 1 then return {'duplicate', left} end
local ends = tonumber(g[4])
if g[5] ~= '1' or (ends > 0 and tonumber(ARGV[3]) >= ends) then return {'closed', left} end
if q >= 0 and left <= 0 then return {'exhausted', 0} end
local mine = tonumber(redis.call('HGET', KEYS[2], ARGV[1]) or '0')
if mine >= tonumber(g[3]) then return {'limit', left} end
redis.call('HINCRBY', KEYS[1], 'claimed', 1)
redis.call('HINCRBY', KEYS[2], ARGV[1], 1)
redis.call('HSET', KEYS[3], ARGV[2], 1)
if q >= 0 then left = left - 1 end
return {'claimed', left}
"""

# ARGV: buyer id, "buyer:key" field. Returns 1 if a coupon went back, else 0.
RELEASE = """
if redis.call('HDEL', KEYS[3], ARGV[2]) == 0 then return 0 end
redis.call('HINCRBY', KEYS[1], 'claimed', -1)
if redis.call('HINCRBY', KEYS[2], ARGV[1], -1) <= 0 then
  redis.call('HDEL', KEYS[2], ARGV[1])
end
return 1
"""

# Closes the drop if the gate holds it.
CLOSE = """
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], 'open', 0)
return 1
"""
