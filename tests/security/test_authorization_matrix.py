"""Who may call what: every route of the app's own route table (JSON API and pages), called by
every role of its own workshop, every role of another workshop, nobody, and a garbage token,
through a real uvicorn. Each answer is checked against EXPECTED below:

- a role that may → anything but 401/403/404 and 5xx (a 409 or 422 still proves it got in);
- a role that may not → 401, 403 or 404 (a phone's page sends a phone without its cookie to
  /join, without the code);
- never a 500, and never a word of the other workshop – nor, to those shut out, of this one.

A route added to the app without a line in EXPECTED fails this test, so none is forgotten.
Each call starts from a fresh workshop, so a deletion or a renewed link cannot spoil the next.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.routing import APIRoute
from starlette.routing import Mount

from app.main import create_app
from app.services import items, uow
from tests.conftest import MadeWorkshop
from tests.servers import LiveServer, running_server

FAC, PHONE, BOARD, FOLLOW = "facilitator", "participant", "board", "followup"
OWN_ROLES = (FAC, PHONE, BOARD, FOLLOW)
ROLES = (
    *(f"own {r}" for r in OWN_ROLES),
    *(f"other {r}" for r in OWN_ROLES),
    "nobody",
    "garbage",
)
ANYONE = "anyone"  # a public route: every caller gets a non-error answer
GARBAGE = "Zm9vYmFyYmF6cXV4cXV1eGNvcmdlZ3JhdWx0Z2FycGx5d2FsZG8"
SECRET_NOTE = "HEMLIG-ANTECKNING"  # in each workshop's notes: found only where it belongs

# "METHOD path" → the roles of the route's own workshop that may call it, and what to send.
EXPECTED: dict[str, tuple[Any, dict[str, Any]]] = {
    # framework and public
    "GET /openapi.json": (ANYONE, {}),
    "GET /docs": (ANYONE, {}),
    "GET /static": (ANYONE, {"path": "/static/css/app.css"}),
    "GET /healthz": (ANYONE, {}),
    "GET /": (ANYONE, {}),
    "POST /": (ANYONE, {"data": {"title": "Ny workshop"}}),
    "GET /follow-up": (ANYONE, {}),
    "POST /follow-up": (ANYONE, {"data": {}}),
    "GET /lang/{code}": (ANYONE, {}),
    "GET /join": (ANYONE, {}),
    "GET /j/{code}": (ANYONE, {}),
    "POST /join": (ANYONE, {"data": {"join_code": "{join_code}"}}),
    "POST /api/v1/workshops": (ANYONE, {"json": {"title": "Ny"}}),
    "POST /api/v1/join": (ANYONE, {"json": {"join_code": "{join_code}"}}),
    # the JSON API
    "GET /api/v1/workshops/{workshop_id}": (OWN_ROLES, {}),
    "PUT /api/v1/workshops/{workshop_id}/stage": ({FAC}, {"json": {"stage": "causes"}}),
    "GET /api/v1/workshops/{workshop_id}/audit": ({FAC, FOLLOW}, {}),
    # every role of it may ask; all but the facilitator get 409 until the reveal
    "GET /api/v1/workshops/{workshop_id}/breakdown": (OWN_ROLES, {"params": {"kind": "cause"}}),
    "PUT /api/v1/workshops/{workshop_id}/retention": (
        {FAC},
        {"json": {"erase_notes_after_days": 90}},
    ),
    "DELETE /api/v1/workshops/{workshop_id}/participants/{participant_id}/notes": ({FAC}, {}),
    "POST /api/v1/workshops/{workshop_id}/items": (
        {FAC, PHONE},
        {"json": {"kind": "situation", "focus_area_id": "{area}", "text": "Ny"}},
    ),
    "GET /api/v1/workshops/{workshop_id}/items": (OWN_ROLES, {}),
    "GET /api/v1/items/{item_id}": (OWN_ROLES, {}),
    "PATCH /api/v1/items/{item_id}": ({FAC, PHONE}, {"json": {"text": "Ändrad"}}),
    "GET /api/v1/items/{item_id}/history": ({FAC, FOLLOW}, {}),
    "POST /api/v1/items/{item_id}/merge": ({FAC}, {"json": {"into": "{other_item}"}}),
    "DELETE /api/v1/items/{item_id}": ({FAC, PHONE}, {}),
    "GET /api/v1/workshops/{workshop_id}/export.xlsx": ({FAC, FOLLOW}, {}),
    "GET /api/v1/workshops/{workshop_id}/export.json": ({FAC, FOLLOW}, {}),
    "POST /api/v1/workshops/{workshop_id}/import.xlsx": (
        {FAC, FOLLOW},
        {"files": {"file": ("a.xlsx", b"not a workbook")}},
    ),
    "PUT /api/v1/workshops/{workshop_id}/voting": (
        {FAC},
        {"json": {"kind": "situation", "state": "open"}},
    ),
    "GET /api/v1/workshops/{workshop_id}/voting": (OWN_ROLES, {}),
    "POST /api/v1/items/{item_id}/votes": ({PHONE}, {}),
    "DELETE /api/v1/items/{item_id}/votes": ({PHONE}, {}),
    "GET /api/v1/workshops/{workshop_id}/ranking": (OWN_ROLES, {"params": {"kind": "situation"}}),
    "POST /api/v1/workshops/{workshop_id}/shortlist": ({FAC}, {"json": {"top": 3}}),
    "PUT /api/v1/items/{item_id}/rating": ({PHONE}, {"json": {"impact": 3, "effort": 2}}),
    "GET /api/v1/workshops/{workshop_id}/events": (OWN_ROLES, {"stream": True}),
    # pages
    "GET /w/{slug}/stream": ({PHONE}, {"stream": True}),
    "GET /w/{slug}/p": ({PHONE}, {}),
    "GET /w/{slug}/facilitate": ({FAC}, {}),
    "GET /w/{slug}/facilitate/links": ({FAC}, {}),
    "POST /w/{slug}/facilitate/links": ({FAC}, {"data": {}}),
    "POST /w/{slug}/facilitate/stage": ({FAC}, {"data": {"stage": "causes"}}),
    "POST /w/{slug}/facilitate/review/{item_id}": ({FAC}, {"data": {"decision": "done"}}),
    "GET /w/{slug}/board": ({BOARD, FAC}, {}),
    "POST /w/{slug}/p/notes": (
        {PHONE},
        {"data": {"kind": "situation", "focus_area_id": "{area}", "text": "Ny"}},
    ),
    "POST /w/{slug}/p/notes/{item_id}": ({PHONE}, {"data": {"text": "Ändrad"}}),
    "POST /w/{slug}/facilitate/notes": (
        {FAC},
        {"data": {"kind": "situation", "focus_area_id": "{area}", "text": "Ny"}},
    ),
    "GET /w/{slug}/facilitate/items/{item_id}/edit": ({FAC}, {}),
    "POST /w/{slug}/facilitate/items/{item_id}": ({FAC}, {"data": {"text": "Ändrad"}}),
    "POST /w/{slug}/facilitate/items/{item_id}/merge": ({FAC}, {"data": {"into": "{other_item}"}}),
    "POST /w/{slug}/facilitate/names": ({FAC}, {"data": {"show": "true"}}),
    "POST /w/{slug}/facilitate/timer": ({FAC}, {"data": {"action": "start", "minutes": "5"}}),
    "POST /w/{slug}/facilitate/retention": ({FAC}, {"data": {"days": "90"}}),
    "POST /w/{slug}/p/votes/{item_id}": ({PHONE}, {"data": {}}),
    "POST /w/{slug}/p/ratings/{item_id}": ({PHONE}, {"data": {"impact": "3", "effort": "2"}}),
    "POST /w/{slug}/facilitate/voting": ({FAC}, {"data": {"kind": "situation", "state": "open"}}),
    "POST /w/{slug}/facilitate/shortlist": ({FAC}, {"data": {"top": "3"}}),
    "POST /w/{slug}/facilitate/actions/{item_id}": ({FAC}, {"data": {"status": "started"}}),
    "GET /w/{slug}/followup": ({FOLLOW, FAC}, {}),
    "GET /w/{slug}/followup/export.xlsx": ({FOLLOW, FAC}, {}),
    "GET /w/{slug}/followup/export.json": ({FOLLOW, FAC}, {}),
    "POST /w/{slug}/followup/actions/{item_id}": ({FOLLOW, FAC}, {"data": {"status": "started"}}),
    "POST /w/{slug}/followup/import": (
        {FOLLOW, FAC},
        {"files": {"file": ("a.xlsx", b"not a workbook")}},
    ),
    "POST /w/{slug}/followup/import/confirm": ({FOLLOW, FAC}, {"data": {"planned": "[]"}}),
}


def app_routes() -> list[str]:
    """Every "METHOD path" the app answers, from its own route table (routers included)."""

    def walk(routes: list[Any]) -> Iterator[Any]:
        for route in routes:
            inner = getattr(route, "original_router", None)  # FastAPI's included router
            yield from walk(inner.routes) if inner is not None else (route,)

    found = []
    for route in walk(create_app().routes):
        if isinstance(route, Mount):
            found.append(f"GET {route.path}")
            continue
        for method in sorted(set(getattr(route, "methods", None) or ()) - {"HEAD"}):
            found.append(f"{method} {route.path}")
        assert isinstance(route, APIRoute) or route.path in ("/openapi.json",)
    return found


ROUTES = app_routes()


def test_every_route_of_the_app_has_an_expectation() -> None:
    print(f"\nauthorization matrix: {len(ROUTES)} routes × {len(ROLES)} roles")
    assert sorted(set(ROUTES) - set(EXPECTED)) == [], "routes without an entry in EXPECTED"
    assert sorted(set(EXPECTED) - set(ROUTES)) == [], "entries for routes that do not exist"


@pytest.fixture(scope="module")
def live(
    database_url: str, migrated: None, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    log: Path = tmp_path_factory.mktemp("matrix") / "uvicorn.log"
    with running_server(database_url, log) as server:
        yield server


@dataclass
class Room:
    """A workshop as each of its roles holds it: a note by its phone and one more."""

    made: MadeWorkshop
    item: int
    other_item: int

    def token(self, role: str) -> str:
        if role == PHONE:
            return self.made.participants[0].token
        return str(getattr(self.made, f"{role}_token"))


def room(make_workshop: Any, title: str) -> Room:
    made = make_workshop(participants=1, stage="situation", title=title)
    phone = made.participants[0].principal(made.id)
    note, _ = uow.run(items.add_item, phone, made.id, "situation", made.area(), SECRET_NOTE)
    other, _ = uow.run(
        items.add_item, made.facilitator_principal, made.id, "situation", made.area(), "Annan"
    )
    return Room(made, note.id, other.id)


def credentials(role: str, own: Room, other: Room, page: bool) -> dict[str, Any]:
    """Headers and cookies of a caller. A page's cookie is named for THIS workshop, whatever
    workshop's token it holds: another workshop's key must not open it."""
    if role in ("nobody",):
        return {}
    if role == "garbage":
        tokens = dict.fromkeys(OWN_ROLES, GARBAGE)
    else:
        whose, name = role.split()
        tokens = {name: (own if whose == "own" else other).token(name)}
    if not page:
        return {"headers": {"Authorization": f"Bearer {next(iter(tokens.values()))}"}}
    return {"cookies": {f"ks_{own.made.id}_{name}": t for name, t in tokens.items()}}


def fill(value: Any, own: Room) -> Any:
    if isinstance(value, dict):
        return {k: fill(v, own) for k, v in value.items()}
    if isinstance(value, str) and value.startswith("{") and value.endswith("}"):
        key = value[1:-1]
        made = own.made
        values = {
            "join_code": made.join_code,
            "area": made.area(),
            "other_item": own.other_item,
        }
        return values[key]
    return value


def path_of(route: str, own: Room) -> str:
    path = route.split(" ", 1)[1]
    return path.format(
        workshop_id=own.made.id,
        item_id=own.item,
        participant_id=own.made.participants[0].id,
        slug=own.made.slug,
        code="sv" if path.startswith("/lang") else own.made.join_code,
    )


CSRF = "matrixCSRFtoken0123456789abcdef"


@dataclass
class Answer:
    status: int
    location: str
    text: str


def call(http: httpx.Client, route: str, role: str, own: Room, other: Room) -> Answer:
    method = route.split(" ", 1)[0]
    _, send = EXPECTED[route]
    path = send.get("path") or path_of(route, own)
    page = not path.startswith("/api/")
    who = credentials(role, own, other, page)
    http.cookies.clear()
    http.cookies.update({**who.get("cookies", {}), "ks_csrf": CSRF})
    kwargs: dict[str, Any] = {"headers": {**who.get("headers", {}), "X-CSRF-Token": CSRF}}
    for key in ("json", "data", "files", "params"):
        if key in send:
            kwargs[key] = fill(send[key], own)
    with http.stream(method, path, **kwargs) as answer:
        # A live stream is held open: its status and first line are enough.
        text = (
            next(answer.iter_text(), "")
            if send.get("stream")
            else answer.read().decode(errors="replace")
        )
        return Answer(answer.status_code, answer.headers.get("location", ""), text)


DENIED = {401, 403, 404}


@pytest.mark.parametrize("route", ROUTES)
def test_each_role_gets_what_it_may_and_nothing_more(
    route: str, live: LiveServer, make_workshop: Any
) -> None:
    if route not in EXPECTED:
        pytest.fail(f"{route} has no entry in EXPECTED")
    allowed, _ = EXPECTED[route]
    wrong: list[str] = []
    with httpx.Client(base_url=live.url, timeout=10, follow_redirects=False) as http:
        other = room(make_workshop, "Annan workshop")
        for role in ROLES:
            own = room(make_workshop, "Egen workshop")  # fresh: nothing earlier spoils it
            answer = call(http, route, role, own, other)
            whose, _, name = role.partition(" ")
            may = allowed == ANYONE or (whose == "own" and name in allowed)
            status, where, body = answer.status, answer.location, answer.text
            if status >= 500:
                wrong.append(f"{role}: {status}")
            elif may and status in DENIED:
                wrong.append(f"{role}: refused with {status} but may")
            elif not may and status not in DENIED:
                to_join = status == 303 and where.split("?")[0] == "/join"
                if not (to_join and route == "GET /w/{slug}/p"):
                    wrong.append(f"{role}: {status} {where} but may not")
            if other.made.join_code in body + where or (
                SECRET_NOTE in body and other.made.slug in body
            ):
                wrong.append(f"{role}: shows the other workshop")
            if not may and (own.made.join_code in body + where or SECRET_NOTE in body):
                wrong.append(f"{role}: {status} shows this workshop to someone shut out")
    assert wrong == [], f"{route}:\n" + "\n".join(wrong)
