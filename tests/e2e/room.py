"""A workshop set up fast through the JSON API, the way an integration would, for browser tests
that need a room full of notes: the pages are then opened at the addresses the create answer
gives (never built by hand: they are about to change)."""

from dataclasses import dataclass, field
from typing import Any

from tests.e2e.conftest import LiveServer, api


@dataclass
class Room:
    """A workshop created through the API; `urls` are its pages (facilitate, board, …)."""

    server: LiveServer
    id: int
    token: str  # the facilitator's
    join_code: str
    urls: dict[str, str]
    areas: list[int] = field(default_factory=list)

    def stage(self, stage: str) -> None:
        api(self.server, "PUT", f"/workshops/{self.id}/stage", self.token, {"stage": stage})

    def stage_now(self) -> str:
        return str(api(self.server, "GET", f"/workshops/{self.id}", self.token)["stage"])

    def note(self, kind: str, area: int, text: str, links: list[int] | None = None) -> int:
        body = {"kind": kind, "focus_area_id": area, "text": text, "links": links or []}
        return int(api(self.server, "POST", f"/workshops/{self.id}/items", self.token, body)["id"])

    def change(self, item_id: int, **fields: Any) -> None:
        api(self.server, "PATCH", f"/items/{item_id}", self.token, fields)

    def voting(self, kind: str, state: str) -> None:
        body = {"kind": kind, "state": state}
        api(self.server, "PUT", f"/workshops/{self.id}/voting", self.token, body)

    def join(self, name: str) -> str:
        body = {"join_code": self.join_code, "display_name": name}
        return str(api(self.server, "POST", "/join", body=body)["participant_token"])


def make_room(server: LiveServer, title: str = "Tryggare Värnamo") -> Room:
    created = api(server, "POST", "/workshops", body={"title": title})
    room = Room(
        server,
        created["id"],
        created["facilitator_token"],
        created["join_code"],
        created["urls"],
    )
    state = api(server, "GET", f"/workshops/{room.id}", room.token)
    room.areas = [area["id"] for area in state["focus_areas"]]
    return room
