"""A fixed number of client connections sending as fast as answers come back, for bench/live.py:
the vote phase (dots on and off) and the baseline (GET /hello) run through the same driver.

Two drivers, one plan:
- `wrk` (C, with a generated Lua script) when it is installed: the client then costs far less
  than the server, so the baseline's few thousand requests a second are the server's, not the
  client's.
- `python` (asyncio + httpx) otherwise: the same plan, but above roughly a thousand requests a
  second the client is the limit, which understates the baseline and flatters the ratio.

The vote plan: connection (or wrk thread) k owns every k-th participant and cycles through them,
putting a dot on a cause and, a little later, taking that same dot back, so budgets never run
out and a 409 stays the exception it is in a room. Every answer counts towards throughput and
latency, 201/200 and 409 alike: a refused dot is answered by the server all the same.
"""

import asyncio
import json
import math
import os
import shutil
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import httpx

REQUEST_TIMEOUT_S = 30.0


@dataclass(frozen=True)
class Plan:
    """What to send: dots on and off across `tokens` × `items`, or GET /hello."""

    mode: Literal["vote", "hello"]
    tokens: list[str] = field(default_factory=list)
    items: list[int] = field(default_factory=list)


@dataclass
class LoadResult:
    driver: str
    connections: int
    seconds: float
    statuses: dict[int, int]
    transport_errors: int
    p50_ms: float | None
    p95_ms: float | None
    p99_ms: float | None

    @property
    def requests(self) -> int:
        return sum(self.statuses.values())

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds > 0 else 0.0

    @property
    def errors_5xx(self) -> int:
        return sum(n for status, n in self.statuses.items() if status >= 500)


def percentile(values: list[float], q: float) -> float | None:
    """Nearest-rank percentile (q in 0..100) of unsorted values, to 0.1; None for none."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, min(len(ordered), math.ceil(q / 100 * len(ordered))))
    return round(ordered[rank - 1], 1)


def wrk_available() -> bool:
    return shutil.which("wrk") is not None


def wrk_threads(connections: int) -> int:
    return max(1, min(2, os.cpu_count() or 1, connections))


async def run_load(
    driver: str, base: str, plan: Plan, connections: int, seconds: float
) -> LoadResult:
    if driver == "wrk":
        return await _run_wrk(base, plan, connections, seconds)
    return await _run_python(base, plan, connections, seconds)


# --- python -----------------------------------------------------------------------------------


def _owned(tokens: list[str], worker: int, workers: int) -> list[str]:
    """Worker k's participants: every k-th one (at least one, when there are fewer than
    workers)."""
    return tokens[worker::workers] or [tokens[worker % len(tokens)]]


async def _run_python(base: str, plan: Plan, connections: int, seconds: float) -> LoadResult:
    statuses: Counter[int] = Counter()
    latencies: list[float] = []
    transport_errors = 0
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    async with httpx.AsyncClient(base_url=base, timeout=REQUEST_TIMEOUT_S, limits=limits) as client:

        async def send(method: str, path: str, token: str) -> None:
            nonlocal transport_errors
            started = time.perf_counter()
            try:
                response = await client.request(
                    method, path, headers={"Authorization": f"Bearer {token}"}
                )
            except httpx.HTTPError:
                transport_errors += 1
                return
            latencies.append((time.perf_counter() - started) * 1000)
            statuses[response.status_code] += 1

        async def worker(k: int, until: float) -> None:
            mine = _owned(plan.tokens, k, connections) if plan.tokens else ["-"]
            j = 0
            while time.perf_counter() < until:
                if plan.mode == "hello":
                    await send("GET", "/hello", mine[0])
                    continue
                token = mine[j % len(mine)]
                item = plan.items[(j // len(mine) + k) % len(plan.items)]
                await send("POST", f"/api/v1/items/{item}/votes", token)
                await send("DELETE", f"/api/v1/items/{item}/votes", token)
                j += 1

        started = time.perf_counter()
        until = started + seconds
        await asyncio.gather(*(worker(k, until) for k in range(connections)))
        elapsed = time.perf_counter() - started
    return LoadResult(
        driver="python (asyncio + httpx)",
        connections=connections,
        seconds=elapsed,
        statuses=dict(statuses),
        transport_errors=transport_errors,
        p50_ms=percentile(latencies, 50),
        p95_ms=percentile(latencies, 95),
        p99_ms=percentile(latencies, 99),
    )


# --- wrk --------------------------------------------------------------------------------------

# Each wrk thread has its own Lua state and hands requests to whichever of its connections is
# free, so a dot is taken back LAG requests after it was put on (by then it has been answered),
# not right after. `done` prints one JSON line that _run_wrk reads.
LUA = r"""
local tokens = {TOKENS}
local items = {ITEMS}
local mode = "{MODE}"
local lag = {LAG}
local threads = {}
local counter = 0

function setup(thread)
  thread:set("tid", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

function init(args)
  local nthreads = tonumber(args[1])
  mine = {}
  for i = tid + 1, #tokens, nthreads do mine[#mine + 1] = tokens[i] end
  if #mine == 0 then mine[1] = tokens[(tid % math.max(#tokens, 1)) + 1] or "-" end
  statuses = {}
  step, posted, head, tail, queue = 0, 0, 1, 0, {}
end

local function slot(j)
  local n = #mine
  return mine[(j % n) + 1], items[((math.floor(j / n) + tid) % #items) + 1]
end

local function dot(method, j)
  local token, item = slot(j)
  return wrk.format(method, "/api/v1/items/" .. item .. "/votes",
    { ["Authorization"] = "Bearer " .. token })
end

function request()
  if mode == "hello" then
    return wrk.format("GET", "/hello", { ["Authorization"] = "Bearer " .. mine[1] })
  end
  step = step + 1
  if step % 2 == 0 and tail - head + 1 > lag then
    local j = queue[head]
    queue[head] = nil
    head = head + 1
    return dot("DELETE", j)
  end
  local j = posted
  posted = posted + 1
  tail = tail + 1
  queue[tail] = j
  return dot("POST", j)
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local total = {}
  for _, thread in ipairs(threads) do
    for status, n in pairs(thread:get("statuses")) do
      total[status] = (total[status] or 0) + n
    end
  end
  local parts = {}
  for status, n in pairs(total) do parts[#parts + 1] = '"' .. status .. '":' .. n end
  local e = summary.errors
  io.write(string.format(
    'KSJSON {"duration_us":%d,"statuses":{%s},"connect":%d,"read":%d,"write":%d,' ..
    '"timeout":%d,"p50_us":%d,"p95_us":%d,"p99_us":%d}\n',
    summary.duration, table.concat(parts, ","), e.connect, e.read, e.write, e.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99)))
end
"""


def _lua_script(plan: Plan, connections: int) -> str:
    return (
        LUA.replace("{TOKENS}", "{" + ",".join(json.dumps(t) for t in plan.tokens) + "}")
        .replace("{ITEMS}", "{" + ",".join(str(i) for i in plan.items) + "}")
        .replace("{MODE}", plan.mode)
        .replace("{LAG}", str(2 * connections))
    )


async def _run_wrk(base: str, plan: Plan, connections: int, seconds: float) -> LoadResult:
    threads = wrk_threads(connections)
    connections = max(threads, connections - connections % threads)  # wrk splits them evenly
    with tempfile.TemporaryDirectory(prefix="ks-wrk-") as folder:
        script = Path(folder) / "plan.lua"
        script.write_text(_lua_script(plan, connections))
        process = await asyncio.create_subprocess_exec(
            "wrk",
            f"-t{threads}",
            f"-c{connections}",
            f"-d{max(1, round(seconds))}s",
            f"--timeout={int(REQUEST_TIMEOUT_S)}s",
            "-s",
            str(script),
            base,
            "--",
            str(threads),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        try:
            out, err = await asyncio.wait_for(
                process.communicate(), seconds + REQUEST_TIMEOUT_S + 10
            )
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()
    line = next((x for x in out.decode().splitlines() if x.startswith("KSJSON ")), None)
    if line is None:
        raise RuntimeError(f"wrk gave no figures: {err.decode().strip() or out.decode().strip()}")
    got = json.loads(line.removeprefix("KSJSON "))
    return LoadResult(
        driver=f"wrk -t{threads} (Lua plan)",
        connections=connections,
        seconds=got["duration_us"] / 1e6,
        statuses={int(status): n for status, n in got["statuses"].items()},
        transport_errors=got["connect"] + got["read"] + got["write"] + got["timeout"],
        p50_ms=round(got["p50_us"] / 1000, 1),
        p95_ms=round(got["p95_us"] / 1000, 1),
        p99_ms=round(got["p99_us"] / 1000, 1),
    )
