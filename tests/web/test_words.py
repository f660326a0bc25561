"""Words as each workshop's language writes them: owner suggestions, decimals, voting states."""

import re

import pytest
from fastapi.testclient import TestClient

from app.services import ratings, uow


def datalist(html: str, list_id: str) -> list[str]:
    match = re.search(rf'<datalist id="{list_id}">(.*?)</datalist>', html, re.S)
    assert match, f"no datalist {list_id}"
    return re.findall(r'<option value="([^"]*)">', match.group(1))


@pytest.fixture
def rated(client: TestClient, make_workshop):
    """A workshop at prioritize whose one action two people rated 5/2 and 4/1 (means 4.5, 1.5)."""

    def make(language: str):
        w = make_workshop(participants=2, stage="actions", language=language)
        w.action = client.post(
            f"/api/v1/workshops/{w.id}/items",
            json={"kind": "action", "focus_area_id": w.area(0), "text": "Föräldravandringar"},
            headers=w.facilitator,
        ).json()["id"]
        client.put(
            f"/api/v1/workshops/{w.id}/stage", json={"stage": "prioritize"}, headers=w.facilitator
        )
        for member, (impact, effort) in zip(w.participants, ((5, 2), (4, 1)), strict=True):
            uow.run(ratings.rate_action, member.principal(w.id), w.action, impact, effort)
        return w

    return make


def test_an_english_workshop_suggests_owners_in_english(client: TestClient, rated) -> None:
    w = rated("en")
    page = client.get(f"/w/{w.slug}/facilitate?key={w.facilitator_token}").text
    assert datalist(page, "owner-orgs") == [
        "Police",
        "Municipality",
        "Together",
        "Social services",
        "School",
        "Housing company",
    ]
    assert "Polisen" not in page and "Tillsammans" not in page


def test_a_swedish_workshop_suggests_owners_in_swedish(client: TestClient, rated) -> None:
    w = rated("sv")
    page = client.get(f"/w/{w.slug}/facilitate?key={w.facilitator_token}").text
    assert datalist(page, "owner-orgs") == [
        "Polisen",
        "Kommunen",
        "Tillsammans",
        "Socialtjänsten",
        "Skolan",
        "Bostadsbolag",
    ]


@pytest.mark.parametrize(
    ("language", "figures", "wrong"),
    [
        ("sv", "Effekt 4,5, insats 1,5 (2 bedömningar), spridning ±0,5 / ±0,5", "4.5"),
        ("en", "Impact 4.5, effort 1.5 (2 ratings), spread ±0.5 / ±0.5", "4,5"),
    ],
)
def test_means_use_the_workshop_languages_decimal_sign_on_every_page(
    client: TestClient, rated, language: str, figures: str, wrong: str
) -> None:
    w = rated(language)
    board = client.get(f"/w/{w.slug}/board?key={w.board_token}").text
    facilitator = client.get(f"/w/{w.slug}/facilitate?key={w.facilitator_token}").text
    followup = client.get(f"/w/{w.slug}/followup?key={w.followup_token}").text
    assert figures in board and figures in facilitator
    # The follow-up page's table: the means in their own cells.
    assert re.search(rf'<td class="num">{re.escape(figures.split()[1].rstrip(","))}</td>', followup)
    for page in (board, followup):
        assert f">{wrong}<" not in page and f" {wrong}," not in page


def test_a_voting_round_not_yet_open_is_not_called_closed_like_the_last_stage(
    client: TestClient, make_workshop
) -> None:
    w = make_workshop(participants=1, stage="causes")
    page = client.get(f"/w/{w.slug}/facilitate?key={w.facilitator_token}").text
    controls = re.search(r'<section id="voting-controls".*?</section>', page, re.S)
    assert controls
    pressed = re.search(r'aria-pressed="true">([^<]+)</button>', controls.group(0))
    assert pressed and pressed.group(1) == "Stängd"
    assert "Avslutad" not in controls.group(0)
