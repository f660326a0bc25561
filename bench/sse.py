"""Many Server-Sent Event streams from one process, for bench/live.py.

A phone's EventSource, cut to what a benchmark needs: one HTTP/1.1 GET with a Bearer token, the
chunked body decoded and split into events (`id:`, `event:`, `data:`, comments), the arrival time
of every event id kept, and on a dropped connection a reconnect with `Last-Event-ID` after the
server's `retry:` delay, as a browser does. Written on asyncio's protocol layer rather than an HTTP
client library: a thousand streams fanned a burst of notes would otherwise spend the client's CPU
in the library and show up as server latency.
"""

import asyncio
import json
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

# Events whose `data:` the run needs (which note an event is about, where the stage went).
PARSED_KINDS = frozenset({"item.created", "stage"})
CONNECT_TIMEOUT_S = 30.0


@dataclass
class Stream:
    """One screen's stream: what it received and when."""

    name: str
    role: str  # participant, board, facilitator
    path: str
    token: str
    last_event_id: int | None = None  # replay from here (None: from now on)
    received: dict[int, float] = field(default_factory=dict)  # event id → arrival time
    kinds: dict[int, str] = field(default_factory=dict)  # event id → `event:`
    duplicates: int = 0
    connects: int = 0  # successful opens; more than one means it reconnected
    refused: dict[int, int] = field(default_factory=dict)  # HTTP status → times, for non-200
    transport_errors: int = 0
    ready: asyncio.Event = field(default_factory=asyncio.Event)
    retry_s: float = 2.0

    @property
    def reconnects(self) -> int:
        return max(0, self.connects - 1)


@dataclass
class Shared:
    """What every stream contributes to once: the parsed `data:` of the kinds in PARSED_KINDS."""

    data: dict[int, dict[str, Any]] = field(default_factory=dict)


class _Connection(asyncio.Protocol):
    """One HTTP connection of a stream: head, chunked body, SSE events."""

    def __init__(self, stream: Stream, shared: Shared, request: bytes) -> None:
        self.stream = stream
        self.shared = shared
        self.request = request
        self.closed: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.transport: asyncio.BaseTransport | None = None
        self.raw = bytearray()  # undecoded bytes
        self.body = bytearray()  # decoded body, not yet split into events
        self.head_done = False
        self.separator = b""  # the line end the server uses, known after the first event

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport
        transport.write(self.request)  # type: ignore[attr-defined] # uvloop's is no subclass

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.closed.done():
            self.closed.set_result(None)

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()

    def data_received(self, data: bytes) -> None:
        now = time.perf_counter()
        self.raw += data
        if not self.head_done and not self._read_head():
            return
        self._decode_chunks()
        self._read_events(now)

    def _read_head(self) -> bool:
        end = self.raw.find(b"\r\n\r\n")
        if end < 0:
            return False
        head = bytes(self.raw[:end]).decode("latin-1")
        del self.raw[: end + 4]
        status = int(head.split(" ", 2)[1])
        if status != 200:
            self.stream.refused[status] = self.stream.refused.get(status, 0) + 1
            self.close()
            return False
        self.head_done = True
        self.stream.connects += 1
        return True

    def _decode_chunks(self) -> None:
        raw = self.raw
        while True:
            line_end = raw.find(b"\r\n")
            if line_end < 0:
                return
            size = int(bytes(raw[:line_end]).split(b";", 1)[0], 16)
            start = line_end + 2
            if len(raw) < start + size + 2:
                return
            if size == 0:
                self.close()  # the server ended the stream
                return
            self.body += raw[start : start + size]
            del raw[: start + size + 2]

    def _read_events(self, now: float) -> None:
        if not self.separator:
            if b"\r\n" in self.body:
                self.separator = b"\r\n"
            elif b"\n" in self.body:
                self.separator = b"\n"
            else:
                return
        end_of_event = self.separator * 2
        while (end := self.body.find(end_of_event)) >= 0:
            block = bytes(self.body[:end])
            del self.body[: end + len(end_of_event)]
            self._event(block.split(self.separator), now)

    def _event(self, lines: Iterable[bytes], now: float) -> None:
        stream = self.stream
        event_id: int | None = None
        kind = "message"
        data: list[bytes] = []
        for line in lines:
            name, _, value = line.partition(b":")
            value = value.removeprefix(b" ")
            if name == b"":
                if value.startswith(b"connected"):
                    stream.ready.set()
            elif name == b"id":
                event_id = int(value)
            elif name == b"event":
                kind = value.decode()
            elif name == b"data":
                data.append(value)
            elif name == b"retry":
                stream.retry_s = int(value) / 1000
        if event_id is None:
            return
        stream.last_event_id = event_id
        if event_id in stream.received:
            stream.duplicates += 1
            return
        stream.received[event_id] = now
        stream.kinds[event_id] = kind
        if kind in PARSED_KINDS and event_id not in self.shared.data:
            self.shared.data[event_id] = json.loads(b"\n".join(data))


class Listener:
    """Keeps a stream open until stopped, reconnecting as a browser does."""

    def __init__(self, host: str, port: int, stream: Stream, shared: Shared) -> None:
        self.host = host
        self.port = port
        self.stream = stream
        self.shared = shared
        self.stopping = False
        self.connection: _Connection | None = None

    def _request(self) -> bytes:
        lines = [
            f"GET {self.stream.path} HTTP/1.1",
            f"Host: {self.host}:{self.port}",
            f"Authorization: Bearer {self.stream.token}",
            "Accept: text/event-stream",
            "Cache-Control: no-cache",
        ]
        if self.stream.last_event_id is not None:
            lines.append(f"Last-Event-ID: {self.stream.last_event_id}")
        return ("\r\n".join(lines) + "\r\n\r\n").encode()

    async def _connect(self, connection: _Connection) -> None:
        loop = asyncio.get_running_loop()
        await asyncio.wait_for(
            loop.create_connection(lambda: connection, self.host, self.port), CONNECT_TIMEOUT_S
        )

    async def run(self) -> None:
        while not self.stopping:
            connection = _Connection(self.stream, self.shared, self._request())
            try:
                await self._connect(connection)
            except (OSError, TimeoutError):
                self.stream.transport_errors += 1
            else:
                self.connection = connection
                await connection.closed
                self.connection = None
            if not self.stopping:
                await asyncio.sleep(self.stream.retry_s)

    def stop(self) -> None:
        self.stopping = True
        if self.connection is not None:
            self.connection.close()
