"""The pages of the action plan and the follow-up workshop: the follow-up owners' form, history
and log on the follow-up page; the start page's "Follow up an earlier workshop"; the review stage
on the facilitator page, the board and a phone."""

import re

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from app.db import get_engine
from app.models import Item
from tests.api.test_follow_up_workshop import plan
from tests.unit.test_export import seed
from tests.web.conftest import csrf_of
from tests.web.test_followup import open_page
from tests.web.test_pages import links_of


def item(item_id: int) -> Item:
    with Session(get_engine()) as s:
        found = s.get(Item, item_id)
        assert found is not None
        return found


def test_a_follow_up_owner_sets_status_colour_and_note_on_the_page(
    client: TestClient, session, make_workshop
) -> None:
    w = make_workshop(participants=2)
    ids = seed(session, w)
    page = open_page(client, w)
    # The colour shows in words in the table, and each action has its form.
    assert f'action="/w/{w.slug}/followup/actions/{ids.action}"' in page.text
    saved = client.post(
        f"/w/{w.slug}/followup/actions/{ids.action}",
        data={
            "csrf_token": csrf_of(page.text),
            "status": "in_progress",
            "follow_up": "red",
            "follow_up_note": "Budget saknas i år.",
        },
    )
    assert saved.status_code == 200 and f"#action-{ids.action}" in str(saved.url)
    found = item(ids.action)
    assert (found.status, found.follow_up, found.follow_up_note) == (
        "in_progress",
        "red",
        "Budget saknas i år.",
    )
    row = re.search(rf'<tr id="action-{ids.action}".*?</tr>', saved.text, re.S)
    assert row and 'class="follow-up follow-up-red">Röd</span>' in row.group(0)
    detail = re.search(
        rf'<tr class="fu-detail" id="detail-{ids.action}">(.*?)</tr>', saved.text, re.S
    )
    assert detail
    assert "Budget saknas i år." in detail.group(1) and "✓ Sparat" in detail.group(1)
    # Its history: the owner's change through the follow-up link, on the page.
    assert "<del>Planerad</del> → <ins>Pågår</ins>" in detail.group(1)
    assert "Länk för uppföljning, sidan" in detail.group(1)
    # The log at the bottom lists it too, with roles and no names.
    log = saved.text[saved.text.index('id="fu-log-h"') :]
    assert "Läge" in log and "Deltagare 1" not in log


def test_an_unknown_colour_from_the_page_is_refused_in_place(
    client: TestClient, session, make_workshop
) -> None:
    w = make_workshop(participants=2)
    ids = seed(session, w)
    page = open_page(client, w)
    response = client.post(
        f"/w/{w.slug}/followup/actions/{ids.action}",
        data={"csrf_token": csrf_of(page.text), "status": "planned", "follow_up": "purple"},
    )
    assert response.status_code == 422
    assert "Okänt läge" in response.text
    assert item(ids.action).follow_up is None


def test_the_follow_up_page_marks_and_filters_the_actions_taken_forward(
    client: TestClient, session, make_workshop
) -> None:
    w = make_workshop(participants=2)
    ids = seed(session, w)
    client.patch(
        f"/api/v1/items/{ids.formula_action}", json={"shortlisted": True}, headers=w.facilitator
    )
    everything = open_page(client, w).text
    assert everything.count('class="taken"') == 1
    assert f'id="action-{ids.action}"' in everything
    only = client.get(f"/w/{w.slug}/followup?shortlisted=1").text
    assert f'id="action-{ids.formula_action}"' in only and f'id="action-{ids.action}"' not in only


def test_downloads_from_the_page_are_in_the_log(client: TestClient, session, make_workshop) -> None:
    w = make_workshop(participants=2)
    seed(session, w)
    open_page(client, w)
    assert client.get(f"/w/{w.slug}/followup/export.xlsx").status_code == 200
    assert client.get(f"/w/{w.slug}/followup/export.json").status_code == 200
    log = client.get(f"/w/{w.slug}/followup").text
    log = log[log.index('id="fu-log-h"') :]
    assert log.count("Exporterad") == 2


def test_the_start_page_creates_a_follow_up_workshop_from_a_follow_up_link(
    client: TestClient, make_workshop
) -> None:
    w = make_workshop()
    plan(client, w)
    assert 'href="/follow-up"' in client.get("/").text  # the start page offers it
    start = client.get("/follow-up")
    assert "<h1" in start.text and "Följ upp en tidigare workshop" in start.text
    link = f"http://testserver/w/{w.slug}/followup?key={w.followup_token}"
    created = client.post(
        "/follow-up", data={"csrf_token": csrf_of(start.text), "link": link, "language": "sv"}
    )
    assert created.status_code == 200, created.text
    assert "Tryggare Värnamo – uppföljning" in created.text
    facilitate = client.get(links_of(created.text)["facilitate"])
    # The stage bar has "Sedan sist" between the lobby and the situation picture.
    steps = re.findall(r'name="stage" value="(\w+)"', facilitate.text)
    assert steps[:3] == ["lobby", "review", "situation"]


@pytest.mark.parametrize(
    "link",
    [
        "not a link",
        "http://testserver/w/nosuchslug/followup?key=abc",
        "http://testserver/w/{slug}/followup",
        "http://testserver/w/{slug}/followup?key={board}",
    ],
)
def test_a_wrong_follow_up_link_is_refused_on_the_start_page(
    client: TestClient, make_workshop, link: str
) -> None:
    w = make_workshop()
    start = client.get("/follow-up")
    response = client.post(
        "/follow-up",
        data={
            "csrf_token": csrf_of(start.text),
            "link": link.format(slug=w.slug, board=w.board_token),
            "language": "sv",
        },
    )
    assert response.status_code in (403, 422)
    assert 'id="follows_link-error"' in response.text
    assert "uppföljningslänk" in response.text


def test_a_normal_workshop_has_no_review_step(client: TestClient, make_workshop) -> None:
    w = make_workshop()
    page = client.get(f"/w/{w.slug}/facilitate?key={w.facilitator_token}")
    steps = re.findall(r'name="stage" value="(\w+)"', page.text)
    assert steps == ["lobby", "situation", "causes", "actions", "prioritize", "closed"]


def test_the_review_stage_on_the_facilitator_page_board_and_phone(
    client: TestClient, make_workshop
) -> None:
    w = make_workshop()
    ids = plan(client, w)
    new = client.post(
        "/api/v1/workshops", json={"follows": {"workshop_id": w.id, "token": w.followup_token}}
    ).json()
    headers = {"Authorization": f"Bearer {new['facilitator_token']}"}
    client.put(f"/api/v1/workshops/{new['id']}/stage", json={"stage": "review"}, headers=headers)
    carried = client.get(f"/api/v1/workshops/{new['id']}/items?kind=action", headers=headers).json()
    walks = next(a for a in carried if a["carried_from"] == ids["walks"])
    slug = new["urls"]["facilitate"].split("/w/")[1].split("/")[0]

    facilitator = client.get(new["urls"]["facilitate"].replace("http://testserver", ""))
    assert facilitator.status_code == 200
    card = re.search(
        rf'<li class="review-action[^"]*" id="review-{walks["id"]}">.*?</li>',
        facilitator.text,
        re.S,
    )
    assert card
    assert "Grön – går enligt plan" in card.group(0) and "fritid@kommun.example" in card.group(0)
    decided = client.post(
        f"/w/{slug}/facilitate/review/{walks['id']}",
        data={"csrf_token": csrf_of(facilitator.text), "decision": "continue"},
    )
    assert decided.status_code == 200
    assert item(walks["id"]).review == "continue"
    client.post(
        f"/w/{slug}/facilitate/actions/{walks['id']}",
        data={"csrf_token": csrf_of(facilitator.text), "follow_up": "yellow"},
    )
    assert item(walks["id"]).follow_up == "yellow"

    board = client.get(new["urls"]["board"].replace("http://testserver", ""))
    card = re.search(rf'id="review-{walks["id"]}">.*?</li>', board.text, re.S)
    assert card and "Gul – risk för förseningar" in card.group(0)
    assert "Beslut: <strong>Fortsätter</strong>" in card.group(0)
    assert "fritid@kommun.example" not in board.text  # contact details stay off the wall
    assert "<h1>Sedan sist</h1>" in board.text

    joined = client.post(
        "/api/v1/join", json={"join_code": new["join_code"], "display_name": "Ulf"}
    ).json()
    client.cookies.set(f"ks_{new['id']}_participant", joined["participant_token"])
    phone = client.get(f"/w/{slug}/p")
    assert phone.status_code == 200 and f'id="review-{walks["id"]}"' in phone.text
    assert "Hur har det gått med åtgärderna sedan sist?" in phone.text
