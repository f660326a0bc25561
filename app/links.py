"""The addresses people are given, for both faces: one per role, each carrying its own secret.
Pages live under /w/<slug>/, a random slug per workshop, so addresses cannot be counted."""

from fastapi import Request

from app.config import get_settings
from app.models import Workshop
from app.services.workshops import CreatedWorkshop


def base_url(request: Request) -> str:
    configured = get_settings().public_url.rstrip("/")
    return configured or str(request.base_url).rstrip("/")


def join_url(base: str, join_code: str) -> str:
    return f"{base}/j/{join_code}"


def page_path(workshop: Workshop, page: str) -> str:
    """/w/<slug>/<page>: "facilitate", "board", "p", "followup"."""
    return f"/w/{workshop.slug}/{page}"


def secret_url(base: str, workshop: Workshop, page: str, token: str) -> str:
    """A page's address with the key that opens it (swapped for a cookie on arrival)."""
    return f"{base}{page_path(workshop, page)}?key={token}"


def workshop_urls(base: str, created: CreatedWorkshop) -> dict[str, str]:
    workshop = created.workshop
    return {
        "join": join_url(base, workshop.join_code),
        "facilitate": secret_url(base, workshop, "facilitate", created.facilitator_token),
        "board": secret_url(base, workshop, "board", created.board_token),
        "followup": secret_url(base, workshop, "followup", created.followup_token),
    }
