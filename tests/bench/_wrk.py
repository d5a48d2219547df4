"""The coupon crowd sent by ``wrk`` (Debian's C load generator) instead of Python, so the
server and not the client is what gets measured. Each request takes the next job of its
thread's share (a viewer's token and Idempotency-Key); a thread stops when its share is
sent, and the caller interrupts wrk (which then prints its figures) once every thread
is. ``apt-get install -y wrk``.
"""

from __future__ import annotations

import json
import signal
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

LUA = r"""
-- id, count: set by setup; statuses: read back by done (thread:get reads globals).
local threads, jobs, sent, answered, path = {}, {}, 0, 0, ""
statuses = {}

function setup(thread)
  thread:set("id", #threads)
  thread:set("count", COUNT)
  table.insert(threads, thread)
end

function init(args)
  path = args[2]
  local n = 0
  for line in io.lines(args[1]) do
    if n % count == id then
      local token, key = line:match("^(%S+) (%S+)$")
      table.insert(jobs, {token, key})
    end
    n = n + 1
  end
end

function request()
  if id == 0 and not verified then  -- wrk checks thread 0's script with one call first
    verified = true
    return wrk.format("GET", path)
  end
  sent = sent + 1
  local job = jobs[sent]
  if job == nil then  -- all sent: idle on a 405 until the last answers are in
    return wrk.format("GET", path)
  end
  return wrk.format("POST", path, {["Authorization"] = "Bearer " .. job[1],
    ["Idempotency-Key"] = job[2], ["Content-Type"] = "application/json"}, "")
end

function response(status, headers, body)
  if status == 405 then return end
  statuses[status] = (statuses[status] or 0) + 1
  answered = answered + 1
  if answered == #jobs then
    io.write("SENT\n")  -- wrk sleeps out -d regardless: the caller interrupts it
    io.flush()
    wrk.thread:stop()
  end
end

function done(summary, latency, requests)
  local out = {requests = summary.requests, seconds = summary.duration / 1e6,
    errors = summary.errors.connect + summary.errors.read + summary.errors.write
      + summary.errors.timeout,
    p50_ms = latency:percentile(50) / 1000, p99_ms = latency:percentile(99) / 1000,
    max_ms = latency.max / 1000, statuses = {}}
  for _, thread in ipairs(threads) do
    local s = thread:get("statuses")
    for code, n in pairs(s) do
      out.statuses[tostring(code)] = (out.statuses[tostring(code)] or 0) + n
    end
  end
  local parts = {}
  for code, n in pairs(out.statuses) do table.insert(parts, '"' .. code .. '":' .. n) end
  io.write(string.format(
    'WRK {"requests":%d,"seconds":%f,"errors":%d,"p50_ms":%f,"p99_ms":%f,"max_ms":%f,'
    .. '"statuses":{%s}}\n', out.requests, out.seconds, out.errors, out.p50_ms, out.p99_ms,
    out.max_ms, table.concat(parts, ",")))
end
"""


def attack(url: str, path: str, jobs: list[tuple[str, str]], threads: int,
           connections: int) -> dict[str, Any]:  # fmt: skip
    """Send every (token, key) job once to ``path``; wrk's own figures, as a dict."""
    folder = Path(tempfile.mkdtemp(prefix="lc-wrk-"))
    jobs_file, script = folder / "jobs.txt", folder / "claims.lua"
    jobs_file.write_text("".join(f"{token} {key}\n" for token, key in jobs))
    script.write_text(LUA.replace("COUNT", str(threads)))
    command = ["wrk", "-t", str(threads), "-c", str(connections), "-d", "600s",
               "--timeout", "10s", "-s", str(script), url, "--", str(jobs_file), path]  # fmt: skip
    began = time.perf_counter()
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True) as wrk:
        assert wrk.stdout is not None
        finished = 0
        for line in wrk.stdout:
            finished += line.startswith("SENT")
            if finished == threads:
                elapsed = time.perf_counter() - began
                wrk.send_signal(signal.SIGINT)
            if line.startswith("WRK "):
                found: dict[str, Any] = json.loads(line[4:])
    found["seconds"] = elapsed
    return found
