"""`make demo` gives a newcomer a full board with the chain kept end to end."""

from sqlmodel import Session, select

from app.demo import PLAN, make_demo, make_follow_up_demo
from app.models import Workshop
from app.services import followup, items
from app.services.auth import Principal, Role


def test_the_demo_workshop_has_every_board_filled_and_linked(session: Session) -> None:
    urls = make_demo(base="http://localhost:8102")
    slug = urls["facilitate"].split("/w/")[1].split("/")[0]
    workshop_id = session.exec(select(Workshop.id).where(Workshop.slug == slug)).one()
    board = Principal(Role.board, workshop_id)
    by_kind = {
        kind: items.list_items(session, board, workshop_id, kind=kind)
        for kind in ("situation", "cause", "action")
    }
    assert all(len(notes) >= 8 for notes in by_kind.values())
    situations = {v.id for v in by_kind["situation"]}
    causes = {v.id for v in by_kind["cause"]}
    assert all(set(v.links) <= situations and v.links for v in by_kind["cause"])
    assert all(set(v.links) <= causes and v.links for v in by_kind["action"])
    assert any("resecentrum" in v.item.text for v in by_kind["situation"])
    assert {"join", "facilitate", "board", "followup"} == set(urls)
    assert all(url.startswith("http://localhost:8102/") for url in urls.values())


def test_the_demo_shows_a_follow_up_workshop_in_its_review_stage(session: Session) -> None:
    earlier_urls, urls = make_follow_up_demo(base="http://localhost:8102")
    slug = urls["facilitate"].split("/w/")[1].split("/")[0]
    workshop = session.exec(select(Workshop).where(Workshop.slug == slug)).one()
    assert workshop.stage == "review" and workshop.follows_id is not None
    assert workshop.title.endswith("– uppföljning")
    carried = followup.carried_actions(
        session, Principal(Role.board, workshop.id or 0), workshop.id or 0
    )
    assert len(carried) == len(PLAN)
    assert {c.item.follow_up for c in carried} == {"green", "yellow", "red"}
    assert all(c.item.goal and c.causes for c in carried)
    assert "/followup?key=" in earlier_urls["followup"]
