"""Fan-out within one worker. Screens subscribe per workshop with an audience (board,
facilitator, participant, api-…); each event is rendered once per audience that has screens, in a
worker thread, and the same string goes into every matching screen's queue.

A screen too slow to keep up (queue full) is dropped; its browser reconnects with Last-Event-ID
and catches up from the event log."""

import asyncio
import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property

import anyio
from sse_starlette import ServerSentEvent

from app.live.broker import Broker
from app.services.events import LoggedEvent

log = logging.getLogger(__name__)

# (event, render key) → message or None; sync, may read the database; runs in a thread.
Renderer = Callable[[LoggedEvent, str], "Message | None"]
# (event, audience) → render key: screens with equal keys get the same bytes.
Keyer = Callable[[LoggedEvent, str], str]
QUEUE_SIZE = 256


def repeated(batch: list[LoggedEvent], coalescer: Callable[[LoggedEvent], str | None]) -> set[int]:
    """Positions of events whose page render a later event in the batch repeats."""
    keys = [coalescer(event) for event in batch]
    last = {key: i for i, key in enumerate(keys) if key is not None}
    return {i for i, key in enumerate(keys) if key is not None and last[key] != i}


@dataclass(frozen=True)
class Message:
    """One SSE message: the same object, and the same bytes on the wire, for every screen of an
    audience."""

    seq: int
    event: str
    data: str

    @cached_property
    def wire(self) -> bytes:
        """The message as the stream sends it, encoded once however many screens get it."""
        return ServerSentEvent(data=self.data, event=self.event, id=str(self.seq)).encode()


@dataclass(eq=False)
class Subscription:
    workshop_id: int
    audience: str
    queue: asyncio.Queue[Message | None] = field(default_factory=lambda: asyncio.Queue(QUEUE_SIZE))


class Hub:
    def __init__(
        self,
        broker: Broker,
        renderer: Renderer,
        keyer: Keyer,
        coalescer: Callable[[LoggedEvent], str | None] = lambda event: None,
    ) -> None:
        self.broker = broker
        self.renderer = renderer
        self.keyer = keyer
        self.coalescer = coalescer
        # Per workshop, per audience: a room of a thousand phones is a handful of audiences.
        self._subs: dict[int, dict[str, set[Subscription]]] = defaultdict(lambda: defaultdict(set))
        self._unlisten: dict[int, Callable[[], None]] = {}
        self._queues: dict[int, asyncio.Queue[LoggedEvent]] = {}
        self._workers: dict[int, asyncio.Task[None]] = {}
        self.renders = 0  # counted for tests and benchmarks: renders, not screens

    def subscribe(self, workshop_id: int, audience: str) -> Subscription:
        sub = Subscription(workshop_id, audience)
        if workshop_id not in self._unlisten:
            events: asyncio.Queue[LoggedEvent] = asyncio.Queue()
            self._queues[workshop_id] = events
            self._unlisten[workshop_id] = self.broker.listen(workshop_id, events.put_nowait)
            self._workers[workshop_id] = asyncio.create_task(self._run(workshop_id, events))
        self._subs[workshop_id][audience].add(sub)
        return sub

    async def ready(self, sub: Subscription) -> None:
        """Wait until every event committed from now on will reach `sub`."""
        await self.broker.ready(sub.workshop_id)

    def unsubscribe(self, sub: Subscription) -> None:
        audiences = self._subs.get(sub.workshop_id)
        if audiences is None:
            return
        audiences[sub.audience].discard(sub)
        if not audiences[sub.audience]:
            del audiences[sub.audience]
        if not audiences:
            del self._subs[sub.workshop_id]
            self._unlisten.pop(sub.workshop_id)()
            self._queues.pop(sub.workshop_id, None)
            self._workers.pop(sub.workshop_id).cancel()

    async def _run(self, workshop_id: int, events: asyncio.Queue[LoggedEvent]) -> None:
        # One task per workshop keeps its events in order.
        while True:
            batch = [await events.get()]
            while not events.empty():
                batch.append(events.get_nowait())
            repeated = self._repeated(batch)
            for i, event in enumerate(batch):
                await self._fan_out(workshop_id, event, pages=i not in repeated)

    def _repeated(self, batch: list[LoggedEvent]) -> set[int]:
        return repeated(batch, self.coalescer)

    def _render(self, event: LoggedEvent, key: str) -> "Message | None":
        try:
            message = self.renderer(event, key)
        except Exception:
            log.exception("rendering event %s for %s failed", event.seq, key)
            return None
        self.renders += 1
        return message

    async def _fan_out(self, workshop_id: int, event: LoggedEvent, pages: bool = True) -> None:
        """Render once per key and queue the result for every screen; API streams get every
        event, pages only those whose render is not repeated later in the same batch."""
        audiences = {
            audience: subs
            for audience, subs in self._subs.get(workshop_id, {}).items()
            if pages or audience.startswith("api-")
        }
        keys = {audience: self.keyer(event, audience) for audience in audiences}
        # The JSON streams' messages are the event itself: made here. Pages need the database:
        # all their renders of this event in one trip to a worker thread.
        html_keys = sorted({key for key in keys.values() if not key.startswith("api-")})
        rendered = {
            key: self._render(event, key) for key in set(keys.values()) if key.startswith("api-")
        }
        if html_keys:
            rendered.update(
                await anyio.to_thread.run_sync(
                    lambda: {key: self._render(event, key) for key in html_keys}
                )
            )
        for audience, subs in audiences.items():
            message = rendered.get(keys[audience])
            if message is None:
                continue
            for sub in list(subs):
                try:
                    sub.queue.put_nowait(message)
                except asyncio.QueueFull:
                    # Tell the stream to close; the browser resumes from the event log.
                    while not sub.queue.empty():
                        sub.queue.get_nowait()
                    sub.queue.put_nowait(None)
