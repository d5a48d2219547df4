"""The batch of script calls both Redis gates send (``storage.redis_gate.run_scripts``),
against a real Redis and a real Redis Cluster."""

from __future__ import annotations

import pytest
from redis.asyncio import Redis
from redis.exceptions import ResponseError

from livecommerce.storage.keys import Keys
from livecommerce.storage.redis_gate import ScriptCall, run_scripts, text

ECHO = """
if ARGV[1] == 'refuse' then return redis.error_reply('refused') end
redis.call('SET', KEYS[1], ARGV[1])
return ARGV[1]
"""


@pytest.fixture(params=["redis", "cluster"])
def client(request: pytest.FixtureRequest) -> Redis:
    name = "redis_client" if request.param == "redis" else "cluster_client"
    found: Redis = request.getfixturevalue(name)
    return found


async def test_each_call_answers_and_a_forgotten_script_is_loaded_again(
    client: Redis, redis_keys: Keys
) -> None:
    """Replies come back in order, a call's own error stays its own, and a script Redis
    does not know (as after a restart) is loaded again and the batch still runs, once.
    Not SCRIPT FLUSH: other tests share this Redis and count their commands."""
    script = client.register_script(ECHO)
    names = [redis_keys.prefix + f"s{i}" for i in range(40)]
    calls: list[ScriptCall] = [
        ([n], ["refuse" if i == 3 else f"v{i}"]) for i, n in enumerate(names)
    ]
    for attempt in ("loaded", "forgotten"):
        if attempt == "forgotten":
            script.sha = "0" * 40  # a SHA this Redis has never loaded: NOSCRIPT
        replies = await run_scripts(client, script, calls)
        assert isinstance(replies[3], ResponseError), attempt
        assert [text(r) for i, r in enumerate(replies) if i != 3] == [
            f"v{i}" for i in range(40) if i != 3
        ], attempt
    stored = [await client.get(n) for n in names]
    assert [None if v is None else text(v) for v in stored] == [
        None if i == 3 else f"v{i}" for i in range(40)
    ]
