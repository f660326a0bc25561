"""A live workshop under load, driven over HTTP as phones drive it, against a baseline.

    .venv/bin/python -m bench.live                                 # 1,000 phones, SQLite, 1 worker
    .venv/bin/python -m bench.live --participants 200 --seconds 5  # a quicker look
    .venv/bin/python -m bench.live --workers 2 \\
        --database-url postgresql://postgres@127.0.0.1:5432/postgres   # a fresh database, dropped
    .venv/bin/python -m bench.live --json live.json                   # the figures for a machine

The run starts the app under uvicorn (a fresh temp SQLite file, or a fresh uniquely named database
on the PostgreSQL server `--database-url` names; either is gone afterwards) and plays a workshop
through the JSON API:

1. joins: `--participants` phones join in a burst (`--concurrency` at a time);
2. streams: every phone, the board and the facilitator open their event stream and stay on it;
3. notes: `--notes` situation notes posted by the phones in turn, `--concurrency` at a time; the
   note's time, and its fan-out: from the POST's answer until each stream has the event;
4. facilitator page: the HTML page with those notes in the current stage (median of five loads,
   and its size), reached through the create answer's link as a browser would;
5. baseline: a bare FastAPI `async def` hello route (bench/hello.py) under uvicorn with the same
   workers, driven by the same driver and connections as the votes;
6. votes: causes, cause voting open, then `--seconds` of dots put on and taken back at a fixed
   `--concurrency` (wrk with a Lua plan when installed, else Python; bench/drive.py); with
   `--workers N` > 1 the same load first goes through a one-worker server of its own on the same
   database and room (and the baseline is measured for one worker too), for the scaling figure;
7. actions and a shortlist, then `--ratings` impact/effort ratings in a burst;
8. lost events: the workshop closes, the event log is replayed from 0 through the API as the
   reference, and every stream must hold every event it may see from the first stage change to
   the close (participants and the board do not get `vote.*`). Streams get time to catch up as
   long as they still move, and `--drain` seconds after they stop.

It prints a table with the targets and PASS/MISS, and with `--json FILE` writes the figures.
Every request has a 30 s timeout and the whole run is bounded (`--max-seconds`): a stalling
server still gets a report of what was measured. Servers are stopped and the database dropped
however the run ends. Figures only; no test asserts a timing.
"""

import argparse
import asyncio
import contextlib
import importlib.metadata
import json
import os
import platform
import resource
import signal
import statistics
import sys
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import httpx

from bench.drive import Plan, percentile, run_load, wrk_available
from bench.servers import Database, Server, Servers, scratch_database
from bench.sse import Listener, Shared, Stream

REQUEST_TIMEOUT_S = 30.0
OPEN_AT_ONCE = 64  # streams being opened at the same time
CAUSES = 24
ACTIONS = 12
ACTION_DOTS = 100  # dots on actions before the shortlist
SHORTLIST = 3
PAGE_LOADS = 5
MAX_DRAIN_S = 180.0  # however much the streams still move
VOTES_PER_PARTICIPANT = 5
MAX_VOTES_PER_ITEM = 5

T = TypeVar("T")


@dataclass(frozen=True)
class Options:
    participants: int
    seconds: float
    workers: int
    database_url: str | None
    json_path: str | None
    concurrency: int
    notes: int
    ratings: int
    driver: str
    drain: float
    max_seconds: float


def parse_options(argv: list[str] | None = None) -> Options:
    parser = argparse.ArgumentParser(
        prog="python -m bench.live", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--participants", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=10, help="length of the vote phase")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--database-url", help="default: a fresh temp SQLite file")
    parser.add_argument("--json", dest="json_path", metavar="FILE")
    parser.add_argument("--concurrency", type=int, default=32, help="client connections")
    parser.add_argument("--notes", type=int, default=300)
    parser.add_argument("--ratings", type=int, default=300)
    parser.add_argument("--driver", choices=("auto", "wrk", "python"), default="auto")
    parser.add_argument(
        "--drain", type=float, default=15, help="seconds streams may stand still before counting"
    )
    parser.add_argument("--max-seconds", type=float, default=900, help="bound on the whole run")
    args = parser.parse_args(argv)
    driver = args.driver
    if driver == "auto":
        driver = "wrk" if wrk_available() else "python"
    elif driver == "wrk" and not wrk_available():
        parser.error("--driver wrk: wrk is not installed (apt-get install -y wrk)")
    return Options(
        participants=max(1, args.participants),
        seconds=args.seconds,
        workers=max(1, args.workers),
        database_url=args.database_url,
        json_path=args.json_path,
        concurrency=max(1, args.concurrency),
        notes=max(1, args.notes),
        ratings=max(0, args.ratings),
        driver=driver,
        drain=args.drain,
        max_seconds=args.max_seconds,
    )


# --- the API, counted -------------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    status: int  # 0: no answer (transport error or timeout)
    body: Any
    ms: float


class Api:
    """An httpx client that tallies every answer per phase, for the error figures."""

    def __init__(self, base: str, connections: int) -> None:
        # Idle connections are let go before the server closes them (its keep-alive is 5 s).
        limits = httpx.Limits(
            max_connections=connections, max_keepalive_connections=connections, keepalive_expiry=2
        )
        self.client = httpx.AsyncClient(base_url=base, timeout=REQUEST_TIMEOUT_S, limits=limits)
        self.statuses: Counter[tuple[str, int]] = Counter()
        self.normal: set[tuple[str, int]] = set()  # refusals that are a normal answer there
        self.transport: Counter[str] = Counter()
        self.phase = "setup"

    async def call(
        self,
        method: str,
        path: str,
        token: str | None = None,
        body: Any = None,
        normal: tuple[int, ...] = (),
    ) -> Answer:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        started = time.perf_counter()
        try:
            response = await self.client.request(method, path, headers=headers, json=body)
        except httpx.HTTPError:
            self.transport[self.phase] += 1
            return Answer(0, None, (time.perf_counter() - started) * 1000)
        ms = (time.perf_counter() - started) * 1000
        self.statuses[(self.phase, response.status_code)] += 1
        if response.status_code in normal:
            self.normal.add((self.phase, response.status_code))
        try:
            parsed = response.json()
        except ValueError:
            parsed = None
        return Answer(response.status_code, parsed, ms)

    async def close(self) -> None:
        await self.client.aclose()


async def burst(count: int, at_once: int, one: Callable[[int], Awaitable[T]]) -> list[T]:
    """Run one(0..count-1) with at most `at_once` in flight."""
    gate = asyncio.Semaphore(at_once)

    async def gated(i: int) -> T:
        async with gate:
            return await one(i)

    return list(await asyncio.gather(*(gated(i) for i in range(count))))


async def until(condition: Callable[[], bool], timeout: float, step: float = 0.2) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(step)
    return True


def ms_figures(figures: dict[str, Any], name: str, values: list[float]) -> None:
    for q in (50, 95, 99):
        value = percentile(values, q)
        figures[f"{name}_p{q}_ms"] = None if value is None else round(value, 1)


# --- the room ---------------------------------------------------------------------------------


@dataclass
class Room:
    id: int
    join_code: str
    facilitator: str
    board: str
    urls: dict[str, str]
    areas: list[int] = field(default_factory=list)
    participants: list[str] = field(default_factory=list)
    streams: list[Stream] = field(default_factory=list)
    listeners: list[Listener] = field(default_factory=list)
    tasks: list[asyncio.Task[None]] = field(default_factory=list)
    shared: Shared = field(default_factory=Shared)


class Failed(Exception):
    """A step the rest of the run depends on did not work."""


def expect(answer: Answer, what: str, *ok: int) -> Any:
    if answer.status not in (ok or (200, 201)):
        raise Failed(f"{what}: HTTP {answer.status or 'no answer'} {answer.body}")
    return answer.body


class Run:
    """One benchmark run: the phases in order, each adding to `figures`."""

    def __init__(
        self,
        options: Options,
        servers: Servers,
        figures: dict[str, Any],
        database: Database | None = None,
    ) -> None:
        self.o = options
        self.servers = servers
        self.database = database
        self.figures = figures
        self._app: Server | None = None
        self._api: Api | None = None
        self._room: Room | None = None
        self.load_errors = {"5xx": 0, "transport": 0}
        self._clock: tuple[str, float, float] | None = None

    @property
    def app(self) -> Server:
        assert self._app is not None
        return self._app

    @property
    def api(self) -> Api:
        assert self._api is not None
        return self._api

    @property
    def room(self) -> Room:
        assert self._room is not None
        return self._room

    def phase(self, name: str | None) -> None:
        """Start the next phase (None: the end). Answers are tallied per phase, and the
        client's own CPU share is kept per phase: near 100 % the client, not the server, set
        the pace."""
        if self._clock is not None:
            previous, wall, cpu = self._clock
            elapsed = time.perf_counter() - wall
            if elapsed > 0.5:
                share = 100 * (time.process_time() - cpu) / elapsed
                self.figures.setdefault("client_cpu_pct", {})[previous] = round(share)
        self._clock = None if name is None else (name, time.perf_counter(), time.process_time())
        if name is None:
            return
        self.figures["last_phase"] = name
        if self._api is not None:
            self._api.phase = name
        print(f"  … {name}", file=sys.stderr, flush=True)

    async def play(self, app: Server) -> None:
        self._app = app
        self._api = Api(app.base, self.o.concurrency + 16)
        try:
            await self.create_room()
            await self.join()
            await self.open_streams()
            notes = await self.post_notes()
            await self.facilitator_page()
            causes = await self.post_linked("causes", "cause", CAUSES, notes)
            await self.baseline()
            await self.votes(causes)
            actions = await self.post_linked("actions", "action", ACTIONS, causes)
            shortlist = await self.shortlist(actions)
            await self.rate(shortlist)
            await self.count_lost_events()
        finally:
            self.phase(None)
            if self._room is not None:
                for listener in self._room.listeners:
                    listener.stop()
                for task in self._room.tasks:
                    task.cancel()
            await self.api.close()

    async def stage(self, stage: str) -> None:
        room = self.room
        answer = await self.api.call(
            "PUT", f"/api/v1/workshops/{room.id}/stage", room.facilitator, {"stage": stage}
        )
        expect(answer, f"stage {stage}")

    async def voting(self, kind: str, state: str) -> None:
        answer = await self.api.call(
            "PUT",
            f"/api/v1/workshops/{self.room.id}/voting",
            self.room.facilitator,
            {"kind": kind, "state": state},
        )
        expect(answer, f"{kind} voting {state}")

    # 1 ---------------------------------------------------------------------------------------

    async def create_room(self) -> None:
        self.phase("create the workshop")
        api = self.api
        made = expect(
            await api.call(
                "POST",
                "/api/v1/workshops",
                body={
                    "title": "Bench: live",
                    "language": "en",
                    "votes_per_participant": VOTES_PER_PARTICIPANT,
                    "max_votes_per_item": MAX_VOTES_PER_ITEM,
                },
            ),
            "create a workshop",
        )
        room = Room(
            made["id"],
            made["join_code"],
            made["facilitator_token"],
            made["board_token"],
            made["urls"],
        )
        state = expect(
            await api.call("GET", f"/api/v1/workshops/{room.id}", room.facilitator), "read it"
        )
        room.areas = [area["id"] for area in state["focus_areas"]]
        self._room = room

    async def join(self) -> None:
        self.phase(f"{self.o.participants} phones join")
        api, room = self.api, self.room

        async def one(i: int) -> Answer:
            return await api.call(
                "POST",
                "/api/v1/join",
                body={
                    "join_code": room.join_code,
                    "display_name": f"Phone {i}",
                    "organization": ("Polisen", "Kommunen")[i % 2],
                },
            )

        started = time.perf_counter()
        answers = await burst(self.o.participants, self.o.concurrency, one)
        elapsed = time.perf_counter() - started
        room.participants = [a.body["participant_token"] for a in answers if a.status == 201]
        self.figures["joined"] = len(room.participants)
        self.figures["joins_per_s"] = round(len(room.participants) / elapsed, 1)
        ms_figures(self.figures, "join", [a.ms for a in answers if a.status == 201])
        if not room.participants:
            raise Failed("nobody could join")

    # 2 ---------------------------------------------------------------------------------------

    async def open_streams(self) -> None:
        room = self.room
        self.phase(f"{len(room.participants) + 2} streams open")
        path = f"/api/v1/workshops/{room.id}/events"
        room.streams = [Stream("facilitator", "facilitator", path, room.facilitator)]
        room.streams.append(Stream("board", "board", path, room.board))
        room.streams += [
            Stream(f"phone {i}", "participant", path, token)
            for i, token in enumerate(room.participants)
        ]
        room.listeners = [
            Listener("127.0.0.1", self.app.port, s, room.shared) for s in room.streams
        ]
        started = time.perf_counter()
        for chunk in range(0, len(room.listeners), OPEN_AT_ONCE):
            batch = room.listeners[chunk : chunk + OPEN_AT_ONCE]
            room.tasks += [asyncio.create_task(listener.run()) for listener in batch]
            await asyncio.wait(
                [asyncio.create_task(x.stream.ready.wait()) for x in batch],
                timeout=REQUEST_TIMEOUT_S,
            )
        self.figures["streams"] = len(room.streams)
        self.figures["streams_open"] = sum(s.ready.is_set() for s in room.streams)
        self.figures["streams_open_s"] = round(time.perf_counter() - started, 1)

    # 3 ---------------------------------------------------------------------------------------

    async def post_notes(self) -> list[int]:
        await self.stage("situation")
        count = self.o.notes
        self.phase(f"{count} notes, {self.o.concurrency} at a time")
        api, room = self.api, self.room
        answered: dict[int, tuple[float, float]] = {}  # note id → POST sent, answered

        async def one(i: int) -> Answer:
            answer = await api.call(
                "POST",
                f"/api/v1/workshops/{room.id}/items",
                room.participants[i % len(room.participants)],
                {
                    "kind": "situation",
                    "focus_area_id": room.areas[i % len(room.areas)],
                    "text": f"Observation {i}: groups gather at the square after nine.",
                },
            )
            if answer.status == 201:
                now = time.perf_counter()
                answered[answer.body["id"]] = (now - answer.ms / 1000, now)
            return answer

        started = time.perf_counter()
        answers = await burst(count, self.o.concurrency, one)
        elapsed = time.perf_counter() - started
        self.figures["notes_posted"] = len(answered)
        self.figures["notes_per_s"] = round(len(answered) / elapsed, 1)
        ms_figures(self.figures, "note", [a.ms for a in answers if a.status == 201])
        await self.fan_out(answered)
        return sorted(answered)

    async def replay_log(self, done: Callable[[Stream], bool]) -> Stream | None:
        """The workshop's event log replayed from 0 through the API (a facilitator stream with
        Last-Event-ID: 0), read until `done` says so. The log has every committed event, so it
        is the reference the live streams are held against."""
        room = self.room
        reference = Stream("log replay", "facilitator", room.streams[0].path, room.facilitator, 0)
        listener = Listener("127.0.0.1", self.app.port, reference, room.shared)
        task = asyncio.create_task(listener.run())
        try:
            complete = await until(lambda: done(reference), REQUEST_TIMEOUT_S * 2)
        finally:
            listener.stop()
            task.cancel()
        return reference if complete else None

    async def drain(self, last: int, name: str) -> bool:
        """Give every stream time to get to event `last` (a stream never goes back for an
        event it skipped, so once past `last` it has all it will ever have up to it): as long
        as the streams still move, and `--drain` seconds after they stopped moving."""
        started = time.perf_counter()
        streams = self.room.streams
        moved = [0, time.monotonic()]  # deliveries so far, when that changed

        def done() -> bool:
            if all((s.last_event_id or 0) >= last for s in streams):
                return True
            count = sum(len(s.received) for s in streams)
            if count != moved[0]:
                moved[:] = [count, time.monotonic()]
            return time.monotonic() - moved[1] > self.o.drain

        await until(done, MAX_DRAIN_S, 0.25)
        caught_up = all((s.last_event_id or 0) >= last for s in streams)
        self.figures[f"{name}_drain_s"] = round(time.perf_counter() - started, 1)
        return caught_up

    async def fan_out(self, notes: dict[int, tuple[float, float]]) -> None:
        """Fan-out: from the POST's answer to each stream's copy (0 when a stream had it before
        the poster had the answer). Time to screen: from sending the POST."""
        self.phase("fan-out: notes reach every stream")
        data = self.room.shared.data
        seq_of: dict[int, int] = {}  # note id → its item.created event

        def mapped(_: Stream) -> bool:
            seq_of.update(
                (d["item_id"], seq) for seq, d in list(data.items()) if d.get("item_id") in notes
            )
            return len(seq_of) == len(notes)

        if await self.replay_log(mapped) is None:
            raise Failed("the event log replay did not show every note")
        await self.drain(max(seq_of.values()), "fanout")
        streams = self.room.streams
        arrivals = [
            (stream.received[seq], *notes[note])
            for note, seq in seq_of.items()
            for stream in streams
            if seq in stream.received
        ]
        delays = [max(0.0, got - answered) * 1000 for got, _, answered in arrivals]
        ms_figures(self.figures, "fanout", delays)
        self.figures["fanout_max_ms"] = round(max(delays), 1) if delays else None
        ms_figures(self.figures, "screen", [(got - sent) * 1000 for got, sent, _ in arrivals])
        self.figures["fanout_deliveries"] = len(delays)
        self.figures["fanout_expected"] = len(notes) * len(streams)
        self.figures["reconnects_after_notes"] = sum(s.reconnects for s in streams)

    # 4 ---------------------------------------------------------------------------------------

    async def facilitator_page(self) -> None:
        self.phase("facilitator page")
        headers = {"Accept-Encoding": "gzip", "Accept-Language": "en"}
        async with httpx.AsyncClient(timeout=REQUEST_TIMEOUT_S, follow_redirects=True) as browser:
            first = await browser.get(self.room.urls["facilitate"], headers=headers)
            if first.status_code != 200:
                raise Failed(f"facilitator page: HTTP {first.status_code}")
            page = str(first.url)
            loads = []
            for _ in range(PAGE_LOADS):
                started = time.perf_counter()
                response = await browser.get(page, headers=headers)
                loads.append((time.perf_counter() - started) * 1000)
                if response.status_code != 200:
                    raise Failed(f"facilitator page: HTTP {response.status_code}")
        html = response.text
        self.figures["facilitator_page_ms"] = round(statistics.median(loads), 1)
        self.figures["facilitator_page_kb"] = round(len(response.content) / 1000, 1)
        self.figures["facilitator_page_gzip_kb"] = round(response.num_bytes_downloaded / 1000, 1)
        self.figures["facilitator_page_notes"] = html.count('id="note-')

    # 5 ---------------------------------------------------------------------------------------

    async def baseline(self) -> None:
        if self.o.workers > 1:
            # How far the machine lets more workers go at all (the load shares the cores).
            one = await self.hello(1)
            self.figures["baseline_1_worker_rps"] = round(one.rps, 1)
        result = await self.hello(self.o.workers)
        self.figures["baseline_rps"] = round(result.rps, 1)
        self.figures["baseline_p50_ms"] = result.p50_ms
        self.figures["baseline_p95_ms"] = result.p95_ms
        self.figures["baseline_p99_ms"] = result.p99_ms
        self.figures["baseline_non_200"] = result.requests - result.statuses.get(200, 0)

    async def hello(self, workers: int) -> Any:
        self.phase(f"baseline: hello for {self.o.seconds:g} s, {workers} worker(s)")
        hello = self.servers.start(f"hello-{workers}", "bench.hello:app", workers, None)
        try:
            await asyncio.to_thread(self.servers.wait_ready, hello, "/hello")
            return await run_load(
                self.o.driver, hello.base, Plan("hello"), self.o.concurrency, self.o.seconds
            )
        finally:
            await asyncio.to_thread(self.servers.stop, hello)

    # 6 ---------------------------------------------------------------------------------------

    async def post_linked(self, stage: str, kind: str, count: int, targets: list[int]) -> list[int]:
        """Move to `stage` and have phones post `count` notes of `kind`, each linked to one of
        `targets` (causes to situation notes, actions to causes)."""
        await self.stage(stage)
        self.phase(f"{count} {kind} notes")
        api, room = self.api, self.room

        async def one(i: int) -> Answer:
            return await api.call(
                "POST",
                f"/api/v1/workshops/{room.id}/items",
                room.participants[(i * 7) % len(room.participants)],
                {
                    "kind": kind,
                    "focus_area_id": room.areas[i % len(room.areas)],
                    "text": f"{kind.capitalize()} {i}: too few adults around in the evenings.",
                    "links": [targets[i % len(targets)]] if targets else [],
                },
            )

        answers = await burst(count, self.o.concurrency, one)
        posted = [a.body["id"] for a in answers if a.status == 201]
        if not posted:
            raise Failed(f"no {kind} could be posted: {answers[0].status} {answers[0].body}")
        return posted

    async def votes(self, causes: list[int]) -> None:
        await self.voting("cause", "open")
        if self.o.workers > 1:
            await self.votes_one_worker(causes)
        self.phase(f"votes for {self.o.seconds:g} s, {self.o.concurrency} connections")
        result = await run_load(
            self.o.driver,
            self.app.base,
            Plan("vote", self.room.participants, causes),
            self.o.concurrency,
            self.o.seconds,
        )
        self.figures["driver"] = result.driver
        self.figures["connections"] = result.connections
        self.figures["vote_requests"] = result.requests
        self.figures["vote_rps"] = round(result.rps, 1)
        self.figures["vote_p50_ms"] = result.p50_ms
        self.figures["vote_p95_ms"] = result.p95_ms
        self.figures["vote_p99_ms"] = result.p99_ms
        self.figures["vote_answers"] = {str(k): v for k, v in sorted(result.statuses.items())}
        one = self.figures.get("vote_1_worker_rps")
        if one:
            self.figures["vote_scaling"] = round(result.rps / one, 2)
        self.load_errors["5xx"] += result.errors_5xx
        self.load_errors["transport"] += result.transport_errors
        await self.voting("cause", "revealed")

    async def votes_one_worker(self, causes: list[int]) -> None:
        """The same load on the same room through one worker of its own (a second uvicorn on the
        same database), just before the workers' run: the figure the scaling is held against.
        The streams stay on the workers' server, which hears these votes too."""
        self.phase(f"votes for {self.o.seconds:g} s through one worker")
        one = self.servers.start("app-1", "app.main:app", 1, self.database)
        try:
            await asyncio.to_thread(self.servers.wait_ready, one, "/healthz")
            result = await run_load(
                self.o.driver,
                one.base,
                Plan("vote", self.room.participants, causes),
                self.o.concurrency,
                self.o.seconds,
            )
        finally:
            await asyncio.to_thread(self.servers.stop, one)
        self.figures["vote_1_worker_rps"] = round(result.rps, 1)
        self.figures["vote_1_worker_p99_ms"] = result.p99_ms
        self.load_errors["5xx"] += result.errors_5xx
        self.load_errors["transport"] += result.transport_errors

    # 7 ---------------------------------------------------------------------------------------

    async def shortlist(self, actions: list[int]) -> list[int]:
        await self.voting("action", "open")
        self.phase(f"{ACTION_DOTS} dots on actions, then the top {SHORTLIST}")
        api, room = self.api, self.room
        # Skewed, so that the top three are clear: action k gets about 1/(k+1) of the dots.
        weighted = [a for k, a in enumerate(actions) for _ in range(len(actions) // (k + 1))]

        async def one(i: int) -> Answer:
            token = room.participants[i % len(room.participants)]
            return await api.call(
                "POST", f"/api/v1/items/{weighted[i % len(weighted)]}/votes", token, normal=(409,)
            )

        await burst(ACTION_DOTS, self.o.concurrency, one)
        await self.voting("action", "revealed")
        chosen = expect(
            await api.call(
                "POST",
                f"/api/v1/workshops/{room.id}/shortlist",
                room.facilitator,
                {"top": SHORTLIST},
            ),
            "shortlist",
        )["item_ids"]
        return chosen or actions[:SHORTLIST]

    async def rate(self, shortlist: list[int]) -> None:
        await self.stage("prioritize")
        count = self.o.ratings
        self.phase(f"{count} ratings, {self.o.concurrency} at a time")
        api, room = self.api, self.room

        async def one(i: int) -> Answer:
            return await api.call(
                "PUT",
                f"/api/v1/items/{shortlist[i % len(shortlist)]}/rating",
                room.participants[i % len(room.participants)],
                {"impact": 1 + i % 5, "effort": 1 + (i // 5) % 5},
            )

        started = time.perf_counter()
        answers = await burst(count, self.o.concurrency, one)
        elapsed = time.perf_counter() - started
        saved = [a.ms for a in answers if a.status == 200]
        self.figures["ratings_saved"] = len(saved)
        self.figures["ratings_per_s"] = round(len(saved) / elapsed, 1) if elapsed else None
        ms_figures(self.figures, "rating", saved)

    # 8 ---------------------------------------------------------------------------------------

    async def count_lost_events(self) -> None:
        await self.stage("closed")
        self.phase("lost events: replay the log, let the streams drain")
        data = self.room.shared.data

        def closed(reference: Stream) -> bool:
            return any(data.get(seq, {}).get("stage") == "closed" for seq in reference.kinds)

        reference = await self.replay_log(closed)
        if reference is None:
            self.figures["lost_events_note"] = "the event log replay never reached the close"
            return
        close = max(reference.kinds)
        await self.drain(close, "close")
        self.figures.update(lost_events(self.room, reference, close))

    def error_figures(self) -> dict[str, Any]:
        """5xx and transport errors of every phase, the load and the streams; and every other
        answer that was not a success, but for refusals that are normal where they came (a 409
        on a dot when the budget is spent)."""
        statuses = self._api.statuses if self._api else Counter()
        normal = self._api.normal if self._api else set()
        api_transport = self._api.transport.total() if self._api else 0
        streams = self._room.streams if self._room else []
        server = sum(n for (_, status), n in statuses.items() if status >= 500)
        server += self.load_errors["5xx"]
        server += sum(n for s in streams for status, n in s.refused.items() if status >= 500)
        transport = api_transport + self.load_errors["transport"]
        transport += sum(s.transport_errors for s in streams)
        return {
            "errors_5xx": server + transport,
            "transport_errors": transport,
            "answers_not_ok": {
                f"{phase}: {status}": n
                for (phase, status), n in sorted(statuses.items())
                if status >= 300 and (phase, status) not in normal
            }
            | {
                f"{phase}: no answer (transport error or {REQUEST_TIMEOUT_S:g} s timeout)": n
                for phase, n in (self._api.transport.items() if self._api else ())
            },
        }


def entitled(kind: str, role: str) -> bool:
    """Whether a stream of `role` gets events of `kind` (vote.* are the facilitator's alone)."""
    return role == "facilitator" or not kind.startswith("vote.")


def lost_events(room: Room, reference: Stream, close: int) -> dict[str, Any]:
    """Compare every stream with the event log, from the first stage change to the close."""
    start = min(
        (seq for seq, data in room.shared.data.items() if data.get("stage") == "situation"),
        default=min(reference.kinds),
    )
    logged = sorted(seq for seq in reference.kinds if start <= seq <= close)
    lost: Counter[str] = Counter()  # by event kind
    gaps = streams_short = skipped = 0
    for stream in room.streams:
        missing_here = 0
        in_gap = False
        for seq in logged:
            kind = reference.kinds[seq]
            if not entitled(kind, stream.role):
                continue
            if seq in stream.received:
                in_gap = False
                continue
            lost[kind] += 1
            missing_here += 1
            skipped += seq < (stream.last_event_id or 0)
            gaps += not in_gap
            in_gap = True
        streams_short += missing_here > 0
    return {
        "lost_events": lost.total(),
        "lost_skipped": skipped,  # the stream got later events: this one will never come
        "lost_behind": lost.total() - skipped,  # the stream had not got this far at the end
        "lost_by_kind": dict(lost.most_common()),
        "gaps": gaps,
        "streams_missing_events": streams_short,
        "events_logged": len(logged),
        "reconnects": sum(s.reconnects for s in room.streams),
        "duplicates": sum(s.duplicates for s in room.streams),
        "stream_refusals": sum(sum(s.refused.values()) for s in room.streams),
        "stream_transport_errors": sum(s.transport_errors for s in room.streams),
    }


# --- report -----------------------------------------------------------------------------------


def _num(value: Any, unit: str = "", digits: int = 0) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:,.{digits}f}{unit}"
    return f"{value:,}{unit}"


def _trio(f: dict[str, Any], name: str) -> str:
    values = [f.get(f"{name}_p{q}_ms") for q in (50, 95, 99)]
    return " / ".join(_num(v, digits=0 if (v or 0) >= 10 else 1) for v in values) + " ms"


def _verdict(ok: bool | None) -> str:
    return "—" if ok is None else ("PASS" if ok else "MISS")


def _at_most(value: Any, limit: float) -> bool | None:
    return None if value is None else value <= limit


def targets(f: dict[str, Any]) -> dict[str, tuple[str, bool | None]]:
    """figure → (the target as printed, met?); None when the figure was not measured."""
    vote, base = f.get("vote_rps"), f.get("baseline_rps")
    share = None if vote is None or not base else vote >= 0.2 * base
    return {
        "errors_5xx": ("0", _at_most(f.get("errors_5xx"), 0)),
        "lost_events": ("0", _at_most(f.get("lost_events"), 0)),
        "vote_p99_ms": ("p99 ≤ 250 ms", _at_most(f.get("vote_p99_ms"), 250)),
        "fanout_p95_ms": ("p95 ≤ 1,000 ms", _at_most(f.get("fanout_p95_ms"), 1000)),
        "vote_rps": ("≥ 20 % of baseline", share),
        "facilitator_page_ms": ("≤ 150 ms", _at_most(f.get("facilitator_page_ms"), 150)),
        "facilitator_page_kb": ("≤ 300 kB", _at_most(f.get("facilitator_page_kb"), 300)),
        "vote_scaling": ("≥ 1.6 × 1 worker", _at_least(f.get("vote_scaling"), 1.6)),
    }


def _at_least(value: Any, limit: float) -> bool | None:
    return None if value is None else value >= limit


def _pair(f: dict[str, Any], a: str, b: str, unit: str = "") -> str:
    return f"{_num(f.get(a))}, {_num(f.get(b))}{unit}"


def report_rows(f: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """(phase, figure, value, target key or "")."""
    g = f.get
    vote, base = g("vote_rps"), g("baseline_rps")
    share = f" ({vote / base:.0%} of baseline)" if vote is not None and base else ""
    opened = f"{_num(g('streams_open'))} of {_num(g('streams'))}"
    delivered = f"{_num(g('fanout_deliveries'))} of {_num(g('fanout_expected'))}"
    size = f"{_num(g('facilitator_page_kb'), ' kB', 1)}"
    gzipped = f"{_num(g('facilitator_page_gzip_kb'), ' kB', 1)}"
    answers = ", ".join(f"{k}: {v:,}" for k, v in (g("vote_answers") or {}).items())
    short = f"{_num(g('gaps'))}, {_num(g('streams_missing_events'))}, {_num(g('reconnects'))}"
    return [
        ("joins", "joined, per second", _pair(f, "joined", "joins_per_s", "/s"), ""),
        ("", "join p50 / p95 / p99", _trio(f, "join"), ""),
        ("streams", "open (phones + board + facilitator)", opened, ""),
        ("", "time to open them all", _num(g("streams_open_s"), " s", 1), ""),
        ("notes", "posted, per second", _pair(f, "notes_posted", "notes_per_s", "/s"), ""),
        ("", "note p50 / p95 / p99", _trio(f, "note"), ""),
        ("", "fan-out p50 / p95 / p99", _trio(f, "fanout"), "fanout_p95_ms"),
        ("", "fan-out max", _num(g("fanout_max_ms"), " ms"), ""),
        ("", "time to screen (from the POST)", _trio(f, "screen"), ""),
        ("", "deliveries (note × stream)", delivered, ""),
        (
            "page",
            f"facilitator page, {_num(g('facilitator_page_notes'))} notes",
            _num(g("facilitator_page_ms"), " ms", 1),
            "facilitator_page_ms",
        ),
        ("", "its size (gzip on the wire)", f"{size} ({gzipped})", "facilitator_page_kb"),
        ("baseline", "hello req/s", _num(g("baseline_rps")), ""),
        ("", "hello p50 / p95 / p99", _trio(f, "baseline"), ""),
        ("votes", "dot on/off req/s", _num(g("vote_rps")) + share, "vote_rps"),
        ("", "vote p50 / p95 / p99", _trio(f, "vote"), "vote_p99_ms"),
        ("", "answers by status", answers or "—", ""),
        *(scaling_rows(f) if g("vote_1_worker_rps") is not None else []),
        ("ratings", "saved, per second", _pair(f, "ratings_saved", "ratings_per_s", "/s"), ""),
        ("", "rating p50 / p95 / p99", _trio(f, "rating"), ""),
        ("events", "lost (stream × event)", _num(g("lost_events")), "lost_events"),
        ("", "skipped, still behind at the end", _pair(f, "lost_skipped", "lost_behind"), ""),
        ("", "gaps, streams short, reconnects", short, ""),
        ("", "events each stream should have", _num(g("events_logged")), ""),
        ("", "drain after the close", _num(g("close_drain_s"), " s", 1), ""),
        ("errors", "5xx + transport", _num(g("errors_5xx")), "errors_5xx"),
        ("", "of which transport", _num(g("transport_errors")), ""),
    ]


def scaling_rows(f: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """With several workers: the same votes through one worker, just before, and the ratio."""
    one, hello_one, hello = f.get("vote_1_worker_rps"), f.get("baseline_1_worker_rps"), None
    if hello_one and f.get("baseline_rps"):
        hello = f"{f['baseline_rps'] / hello_one:.2f} ×"
    return [
        ("", "dot on/off req/s through one worker", _num(one), ""),
        ("", "votes: workers ÷ one worker", _num(f.get("vote_scaling"), " ×", 2), "vote_scaling"),
        ("", "hello: workers ÷ one worker", hello or "—", ""),
    ]


def print_report(o: Options, f: dict[str, Any]) -> None:
    checks = targets(f)
    print()
    print(
        f"Kraftsamla live benchmark: {o.participants:,} participants, "
        f"{o.workers} worker{'s' if o.workers > 1 else ''}, {f.get('database', '?')}"
    )
    print(f"machine  {f['machine']}")
    print(f"busy     load average {f['load_at_start']} at the start, {f['load_at_end']} at the end")
    print(
        f"load     {f.get('driver', o.driver)}, {o.concurrency} connections, "
        f"{o.seconds:g} s for votes and for the baseline"
    )
    print()
    print(f"{'phase':<9} {'figure':<38} {'value':<40} {'target':<20} verdict")
    for phase, label, value, key in report_rows(f):
        target, ok = checks.get(key, ("", None))
        verdict = _verdict(ok) if key else ""
        print(f"{phase:<9} {label:<38} {value:<40} {target:<20} {verdict}".rstrip())
    print()
    if o.participants != 1000:
        print("note     the targets are set for 1,000 participants")
    if o.workers > 1:
        print(
            "note     with several workers the targets are lost events, fan-out, and votes at "
            "1.6 × one worker's"
        )
    for name, n in (f.get("answers_not_ok") or {}).items():
        print(f"answer   {name} × {n}")
    if f.get("server_tracebacks"):
        print(f"server   {f['server_tracebacks']} tracebacks in its log, raising:")
        for line in f.get("server_exceptions", []):
            print(f"           {line}")
    cpu = f.get("client_cpu_pct") or {}
    busy = {phase: pct for phase, pct in cpu.items() if pct >= 80}
    if busy:
        print("client   busy (its CPU share ≥ 80 %, so it may have set the pace) during:")
        for phase, pct in busy.items():
            print(f"           {phase}: {pct} %")
    if f.get("lost_by_kind"):
        kinds = ", ".join(f"{kind} {n:,}" for kind, n in f["lost_by_kind"].items())
        print(f"lost     by kind: {kinds}")
    if f.get("lost_events_note"):
        print(f"events   {f['lost_events_note']}")
    if f.get("aborted"):
        print(f"ABORTED  {f['aborted']} (the figures above are what was measured until then)")


JSON_FIELDS = (
    "participants",
    "vote_rps",
    "vote_p50_ms",
    "vote_p95_ms",
    "vote_p99_ms",
    "note_p95_ms",
    "fanout_p95_ms",
    "lost_events",
    "errors_5xx",
    "baseline_rps",
)


def write_json(path: str, f: dict[str, Any]) -> None:
    """The fields the issue names first, then everything else the run measured."""
    ordered = {name: f.get(name) for name in JSON_FIELDS}
    ordered.update({k: v for k, v in f.items() if k not in ordered})
    ordered["targets"] = {k: {"target": t, "met": ok} for k, (t, ok) in targets(f).items()}
    with open(path, "w", encoding="utf-8") as out:
        json.dump(ordered, out, indent=2, ensure_ascii=False)
        out.write("\n")


# --- main -------------------------------------------------------------------------------------


def machine() -> str:
    return (
        f"{os.cpu_count()} cores, {platform.system()} {platform.release()} "
        f"{platform.machine()}, Python {platform.python_version()}, "
        f"uvicorn {importlib.metadata.version('uvicorn')}"
    )


def load_average() -> float:
    """The 1-minute load: other work on the machine during the run shows here."""
    return round(os.getloadavg()[0], 2)


def raise_fd_limit() -> None:
    """A thousand streams and the load's connections need more than the usual 1,024 files."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = 65536 if hard == resource.RLIM_INFINITY else min(hard, 65536)
    if soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))


def _interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def run_async(coroutine: Any) -> None:
    try:
        import uvloop  # the client's loop costs less CPU with it; comes with uvicorn[standard]
    except ImportError:
        asyncio.run(coroutine)
    else:
        uvloop.run(coroutine)


async def bounded(run: Run, app: Server, seconds: float) -> None:
    try:
        async with asyncio.timeout(seconds):
            await run.play(app)
    except TimeoutError:
        run.figures["aborted"] = (
            f"the run's time bound ({seconds:g} s) was reached during "
            f"'{run.figures.get('last_phase')}'"
        )
    except Failed as failure:
        run.figures["aborted"] = str(failure)


def benchmark(options: Options, servers: Servers, database: Database, f: dict[str, Any]) -> None:
    servers.migrate(database)
    app = servers.start("app", "app.main:app", options.workers, database)
    run = Run(options, servers, f, database)
    try:
        servers.wait_ready(app, "/healthz")
        run_async(bounded(run, app, options.max_seconds))
    finally:
        f.update(run.error_figures())
        servers.stop(app)
        count, raised = servers.problems(app)
        f["server_tracebacks"] = count
        f["server_exceptions"] = raised[:5]


def main(argv: list[str] | None = None) -> int:
    options = parse_options(argv)
    raise_fd_limit()
    signal.signal(signal.SIGTERM, _interrupt)
    figures: dict[str, Any] = {
        "participants": options.participants,
        "workers": options.workers,
        "machine": machine(),
        "cores": os.cpu_count(),
        "load_at_start": load_average(),
    }
    servers = Servers()
    status = 0
    try:
        with scratch_database(options.database_url) as database:
            figures["database"] = database.label
            try:
                benchmark(options, servers, database, figures)
            finally:
                servers.stop_all()  # before the database goes
    except KeyboardInterrupt:
        figures["aborted"] = "interrupted"
        status = 130
    finally:
        with contextlib.suppress(KeyboardInterrupt):
            servers.stop_all()
        servers.clean_up()
    figures["load_at_end"] = load_average()
    print_report(options, figures)
    if options.json_path:
        write_json(options.json_path, figures)
    return status


if __name__ == "__main__":
    sys.exit(main())
