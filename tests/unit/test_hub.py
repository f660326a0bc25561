"""One render per view and language, the same bytes to every screen that shows it."""

import asyncio

from app.live.broker import InProcessBroker
from app.live.hub import Hub, Message
from app.live.render import coalesce_key, render_key
from app.services.events import LoggedEvent


def test_a_note_is_rendered_once_for_thirty_phones_and_the_board() -> None:
    calls: list[str] = []

    def renderer(event: LoggedEvent, key: str) -> Message:
        calls.append(key)
        return Message(event.seq, "update", f"<div>{key}</div>")

    async def scenario() -> tuple[list[Message], list[Message], Message]:
        broker = InProcessBroker()
        await broker.start()
        hub = Hub(broker, renderer, render_key)
        phones = [hub.subscribe(7, "participant:sv") for _ in range(30)]
        board = hub.subscribe(7, "board:sv")
        facilitator = hub.subscribe(7, "facilitator:sv")
        english = hub.subscribe(7, "participant:en")
        other_workshop = hub.subscribe(8, "board:sv")
        broker.publish(LoggedEvent(7, 1, "item.created", {"item_id": 1, "kind": "situation"}))
        got = [await asyncio.wait_for(s.queue.get(), 2) for s in [*phones, board]]
        fac = await asyncio.wait_for(facilitator.queue.get(), 2)
        eng = await asyncio.wait_for(english.queue.get(), 2)
        assert other_workshop.queue.empty()
        assert eng is not None and "participant:en" not in eng.data
        return got, [eng], fac  # type: ignore[return-value]

    public, _, facilitator = asyncio.run(scenario())
    assert sorted(calls) == ["facilitator:sv", "public:en", "public:sv"]
    assert all(message is public[0] for message in public)  # the very same object
    assert facilitator.data == "<div>facilitator:sv</div>"


def test_a_screen_that_cannot_keep_up_is_told_to_reconnect() -> None:
    def renderer(event: LoggedEvent, key: str) -> Message:
        return Message(event.seq, "update", "x")

    async def scenario() -> list[Message | None]:
        broker = InProcessBroker()
        await broker.start()
        hub = Hub(broker, renderer, render_key)
        slow = hub.subscribe(1, "board:sv")  # a screen that reads nothing meanwhile
        for seq in range(1, 300):
            broker.publish(LoggedEvent(1, seq, "item.created", {}))
        for _ in range(1000):  # until the hub has rendered all of them
            if hub.renders >= 299:
                break
            await asyncio.sleep(0.01)
        drained: list[Message | None] = []
        while not slow.queue.empty():
            drained.append(slow.queue.get_nowait())
        return drained

    drained = asyncio.run(scenario())
    assert drained[0] is None  # the stream closes first thing; the browser resumes from the log


def test_a_burst_into_one_column_is_rendered_once_with_the_last_id() -> None:
    page_renders: list[int] = []

    def renderer(event: LoggedEvent, key: str) -> Message:
        if not key.startswith("api-"):
            page_renders.append(event.seq)
        return Message(event.seq, "update", "column")

    async def scenario() -> list[Message | None]:
        broker = InProcessBroker()
        await broker.start()
        hub = Hub(broker, renderer, render_key, coalesce_key)
        board = hub.subscribe(1, "board:sv")
        api = hub.subscribe(1, "api-board")
        # published in one go, as a burst arrives while the hub is busy
        for seq in range(1, 11):
            broker.publish(LoggedEvent(1, seq, "item.created", {"kind": "situation", "area": 4}))
        got = [await asyncio.wait_for(board.queue.get(), 5)]
        api_got = [await asyncio.wait_for(api.queue.get(), 5) for _ in range(10)]
        assert [m.seq for m in api_got if m] == list(range(1, 11))  # the API gets every event
        return got

    got = asyncio.run(scenario())
    assert got[0] is not None and got[0].seq == 10  # the board's first message already says 10
    assert page_renders == [10]
