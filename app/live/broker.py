"""The broker interface. The services never see it: app/services/events.py hands each committed
event to `publish`, and the hub `listen`s per workshop. `InProcessBroker` hears only its own
process (unit tests); the app runs the log-following brokers of app/live/log_broker.py, which
hear every worker and host."""

import asyncio
import contextlib
from collections import defaultdict
from collections.abc import Callable
from typing import Protocol

from app.services.events import LoggedEvent

Listener = Callable[[LoggedEvent], None]


class Broker(Protocol):
    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    def publish(self, event: LoggedEvent) -> None:
        """Called after commit, from any thread."""

    def listen(self, workshop_id: int, listener: Listener) -> Callable[[], None]:
        """Call `listener` on the event loop for each event of the workshop; returns unlisten."""

    async def ready(self, workshop_id: int) -> None:
        """Once this returns (after `listen`), every event committed from then on reaches the
        listeners: a stream reads where the log stands only after it."""


def call_on(
    loop: asyncio.AbstractEventLoop | None, fn: Callable[[LoggedEvent], None], event: LoggedEvent
) -> None:
    """`fn(event)` on the event loop: at once from the loop itself, else handed to it from the
    unit of work's thread; dropped when the loop is gone (the server is stopping)."""
    if loop is None or loop.is_closed():
        return
    try:
        running = asyncio.get_running_loop()
    except RuntimeError:
        running = None
    if running is loop:
        fn(event)
    else:
        with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
            loop.call_soon_threadsafe(fn, event)


class InProcessBroker:
    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._listeners: dict[int, set[Listener]] = defaultdict(set)

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()

    async def stop(self) -> None:
        self._listeners.clear()

    def publish(self, event: LoggedEvent) -> None:
        call_on(self._loop, self._deliver, event)

    def _deliver(self, event: LoggedEvent) -> None:
        for listener in list(self._listeners.get(event.workshop_id, ())):
            listener(event)

    async def ready(self, workshop_id: int) -> None:
        return  # listening starts at `listen`

    def listen(self, workshop_id: int, listener: Listener) -> Callable[[], None]:
        self._listeners[workshop_id].add(listener)

        def unlisten() -> None:
            listeners = self._listeners.get(workshop_id)
            if listeners is not None:
                listeners.discard(listener)
                if not listeners:
                    del self._listeners[workshop_id]

        return unlisten
