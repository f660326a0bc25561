"""The start page: create a workshop; and the language switch."""

from typing import Annotated
from urllib.parse import parse_qs, urlsplit

from fastapi import APIRouter, Depends, Form, Request, Response
from fastapi.responses import RedirectResponse

from app.config import get_settings
from app.i18n import LANGUAGES
from app.links import page_path
from app.models import Language
from app.services import followup, uow, workshops
from app.services.auth import Role
from app.services.errors import DomainError, Invalid, NotFound
from app.services.workshops import CreatedWorkshop
from app.web.common import LANG_COOKIE, check_csrf, form_int, language, render
from app.web.deps import set_role_cookie, workshop_of

router = APIRouter(dependencies=[Depends(check_csrf)])


@router.get("/")
def start_page(request: Request) -> Response:
    lang = language(request)
    return render(
        request,
        "start.html",
        lang=lang,
        admin_required=bool(get_settings().admin_password),
        form=_defaults(lang),
    )


def _defaults(lang: str) -> dict[str, object]:
    return {
        "title": "",
        "language": lang,
        "focus_areas": "\n".join(
            workshops.DEFAULT_FOCUS_AREAS if lang == "sv" else workshops.DEFAULT_FOCUS_AREAS_EN
        ),
        "organizations": "\n".join(workshops.DEFAULT_ORGANIZATIONS[Language(lang)]),
        "votes_per_participant": 3,
        "max_votes_per_item": 2,
    }


@router.post("/")
async def create_workshop(
    request: Request,
    title: Annotated[str, Form(max_length=2000)] = "",
    workshop_language: Annotated[str, Form(alias="language", max_length=10)] = "sv",
    focus_areas: Annotated[str, Form(max_length=5000)] = "",
    organizations: Annotated[str, Form(max_length=5000)] = "",
    votes_per_participant: Annotated[str, Form(max_length=10)] = "3",
    max_votes_per_item: Annotated[str, Form(max_length=10)] = "2",
    admin_password: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    lang = language(request)
    form = {
        "title": title,
        "language": workshop_language,
        "focus_areas": focus_areas,
        "organizations": organizations,
        "votes_per_participant": votes_per_participant,
        "max_votes_per_item": max_votes_per_item,
    }
    try:
        workshops.check_admin_password(admin_password)
        created = await uow.submit(
            workshops.create_workshop,
            workshops.WorkshopInput(
                title=title,
                focus_areas=focus_areas.splitlines(),
                # Left empty: the default list in the workshop's language.
                organizations=organizations.splitlines() if organizations.strip() else None,
                language=workshop_language,
                votes_per_participant=_int(votes_per_participant, "votes_per_participant"),
                max_votes_per_item=_int(max_votes_per_item, "max_votes_per_item"),
            ),
        )
    except DomainError as error:
        return render(
            request,
            "start.html",
            lang=lang,
            form=form,
            error=error,
            status_code=error.status_code,
            admin_required=bool(get_settings().admin_password),
        )
    return _created(created)


def _created(created: CreatedWorkshop) -> Response:
    # The facilitator's key becomes their cookie, and a reload of where they land makes nothing.
    assert created.workshop.id is not None
    response = RedirectResponse(page_path(created.workshop, "facilitate/links"), status_code=303)
    set_role_cookie(response, created.workshop.id, Role.facilitator, created.facilitator_token)
    return response


async def _follows(link: str) -> followup.Follows:
    """The earlier workshop and its key, from the link its facilitator or follow-up owners were
    given (…/w/<slug>/followup?key=…)."""
    wrong = Invalid(
        "Paste the whole follow-up link of the earlier workshop (it ends with key=…).",
        field="follows_link",
    )
    parts = urlsplit(link.strip())
    path = parts.path.strip("/").split("/")
    key = parse_qs(parts.query).get("key", [""])[0]
    if len(path) < 2 or path[0] != "w" or not key:
        raise wrong
    try:
        workshop_id = await workshop_of(path[1])
    except NotFound:
        raise wrong from None
    return followup.Follows(workshop_id, key)


@router.get("/follow-up")
def follow_up_page(request: Request) -> Response:
    """ "Follow up an earlier workshop": paste its follow-up link."""
    lang = language(request)
    return render(
        request,
        "follow_up.html",
        lang=lang,
        form={"language": lang, "follows_link": request.query_params.get("link", "")[:2000]},
        admin_required=bool(get_settings().admin_password),
    )


@router.post("/follow-up")
async def create_follow_up(
    request: Request,
    link: Annotated[str, Form(max_length=2000)] = "",
    title: Annotated[str, Form(max_length=2000)] = "",
    workshop_language: Annotated[str, Form(alias="language", max_length=10)] = "sv",
    admin_password: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """A follow-up workshop from the earlier one's follow-up link: its action plan comes along
    and the new workshop opens with the review stage."""
    lang = language(request)
    try:
        workshops.check_admin_password(admin_password)
        created = await uow.submit(
            workshops.create_workshop,
            workshops.WorkshopInput(
                title=title,
                language=workshop_language,
                follows=await _follows(link),
            ),
        )
    except DomainError as error:
        if error.field == "follows":
            error.field = "follows_link"
        return render(
            request,
            "follow_up.html",
            lang=lang,
            form={"language": workshop_language, "follows_link": link, "follow_up_title": title},
            follow_up_error=error,
            status_code=error.status_code,
            admin_required=bool(get_settings().admin_password),
        )
    return _created(created)


def _int(raw: str, field: str) -> int:
    number = form_int(raw, field)
    if number is None:
        raise Invalid("Write a whole number.", field=field)
    return number


@router.get("/lang/{code}")
def switch_language(code: str, request: Request) -> Response:
    target = request.query_params.get("next", "/")
    if not target.startswith("/") or target.startswith("//"):
        target = "/"  # never an open redirect
    response = RedirectResponse(target, status_code=303)
    if code in LANGUAGES:
        response.set_cookie(LANG_COOKIE, code, max_age=60 * 60 * 24 * 365, samesite="lax")
    return response
