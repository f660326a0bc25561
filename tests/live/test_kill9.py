"""kill -9 in the middle of a burst: a real uvicorn takes notes and dots from many phones at
once, is killed without warning, and started again on the same database. Every note and dot it
had acknowledged (a 2xx) is there after the restart."""

import asyncio
import signal
from collections import Counter
from pathlib import Path

import httpx
from sqlmodel import Session, select

from app.db import get_engine
from app.models import Item, Vote
from tests.servers import start_server, stop_server

PHONES = 20


async def _burst(url: str, room: dict, acked_notes: list[int], acked_dots: Counter) -> None:
    async def phone(client: httpx.AsyncClient, who: dict, n: int) -> None:
        for i in range(1000):
            try:
                note = await client.post(
                    f"/api/v1/workshops/{room['id']}/items",
                    json={"kind": "cause", "focus_area_id": room["area"], "text": f"{n}-{i}"},
                    headers=who["headers"],
                )
                if note.is_success:
                    acked_notes.append(note.json()["id"])
                target = room["causes"][(n + i) % len(room["causes"])]
                dot = await client.post(f"/api/v1/items/{target}/votes", headers=who["headers"])
                if dot.is_success:
                    acked_dots[(who["id"], target)] += 1
            except httpx.HTTPError:
                return  # the server is gone

    async with httpx.AsyncClient(base_url=url, timeout=5) as client:
        await asyncio.gather(*(phone(client, who, n) for n, who in enumerate(room["phones"])))


def _room(url: str) -> dict:
    with httpx.Client(base_url=url, timeout=10) as http:
        made = http.post(
            "/api/v1/workshops",
            json={"title": "Kill", "votes_per_participant": 20, "max_votes_per_item": 20},
        ).json()
        fac = {"Authorization": f"Bearer {made['facilitator_token']}"}
        wid = made["id"]
        area = http.get(f"/api/v1/workshops/{wid}", headers=fac).json()["focus_areas"][0]["id"]
        phones = []
        for _ in range(PHONES):
            joined = http.post("/api/v1/join", json={"join_code": made["join_code"]}).json()
            phones.append(
                {
                    "id": joined["participant_id"],
                    "headers": {"Authorization": f"Bearer {joined['participant_token']}"},
                }
            )
        http.put(f"/api/v1/workshops/{wid}/stage", json={"stage": "causes"}, headers=fac)
        causes = [
            http.post(
                f"/api/v1/workshops/{wid}/items",
                json={"kind": "cause", "focus_area_id": area, "text": f"Orsak {i}"},
                headers=fac,
            ).json()["id"]
            for i in range(5)
        ]
        answer = http.put(
            f"/api/v1/workshops/{wid}/voting", json={"kind": "cause", "state": "open"}, headers=fac
        )
        assert answer.is_success, answer.text
    return {"id": wid, "area": area, "phones": phones, "causes": causes, "fac": fac}


def test_every_acknowledged_note_and_dot_survives_a_kill_9(
    database_url: str, migrated: None, tmp_path: Path
) -> None:
    log = tmp_path / "uvicorn.log"
    server = start_server(database_url, log)
    try:
        room = _room(server.url)
        acked_notes: list[int] = []
        acked_dots: Counter = Counter()

        async def kill_mid_burst() -> None:
            burst = asyncio.create_task(_burst(server.url, room, acked_notes, acked_dots))
            while len(acked_notes) < 60 and not burst.done():
                await asyncio.sleep(0.02)
            server.process.send_signal(signal.SIGKILL)  # no goodbye, no flush
            await burst

        asyncio.run(kill_mid_burst())
        assert server.process.wait(timeout=5) == -signal.SIGKILL
    finally:
        stop_server(server, kill=True)
    assert len(acked_notes) >= 60 and sum(acked_dots.values()) > 0

    restarted = start_server(database_url, log)
    try:
        with httpx.Client(base_url=restarted.url, timeout=10) as http:
            listed = http.get(f"/api/v1/workshops/{room['id']}/items", headers=room["fac"])
            assert listed.status_code == 200
            there = {item["id"] for item in listed.json()}
    finally:
        stop_server(restarted)
    assert set(acked_notes) <= there, f"lost notes: {sorted(set(acked_notes) - there)[:10]}"
    with Session(get_engine()) as s:
        dots = Counter(
            (p, i)
            for p, i in s.exec(
                select(Vote.participant_id, Vote.item_id).where(Vote.workshop_id == room["id"])
            ).all()
        )
        assert s.exec(select(Item).where(Item.workshop_id == room["id"])).first() is not None
    lost = {key: n - dots[key] for key, n in acked_dots.items() if dots[key] < n}
    assert lost == {}, f"acknowledged dots lost: {lost}"
    print(f"\nkill -9: {len(acked_notes)} notes and {sum(acked_dots.values())} dots acknowledged")
