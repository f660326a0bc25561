"""The addresses people are given: one per role, each carrying its own secret."""

from app.services.workshops import CreatedWorkshop


def join_url(base: str, join_code: str) -> str:
    return f"{base}/j/{join_code}"


def workshop_urls(base: str, created: CreatedWorkshop) -> dict[str, str]:
    wid = created.workshop.id
    return {
        "join": join_url(base, created.workshop.join_code),
        "facilitate": f"{base}/w/{wid}/facilitate?key={created.facilitator_token}",
        "board": f"{base}/w/{wid}/board?key={created.board_token}",
        "followup": f"{base}/w/{wid}/followup?key={created.followup_token}",
    }
