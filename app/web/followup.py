"""The follow-up page: read-only results on an office PC, the Excel download, and the upload of
an edited action list. The follow-up link opens it; so does the facilitator's cookie."""

from typing import Any

from fastapi import APIRouter, Depends, File, Request, Response, UploadFile
from fastapi.responses import JSONResponse

from app.api.export import download, read_upload
from app.deps import SessionDep
from app.services import archive, export, importer, workshops
from app.services.auth import Principal, Role
from app.services.errors import DomainError
from app.services.importer import ImportRejected, ImportResult
from app.web.common import check_csrf, exchange_key, language, page_principal, render

router = APIRouter(prefix="/w/{workshop_id}/followup", dependencies=[Depends(check_csrf)])

ROLES = (Role.followup, Role.facilitator)


def _page(
    request: Request,
    session: SessionDep,
    principal: Principal,
    workshop_id: int,
    status_code: int = 200,
    **context: Any,
) -> Response:
    data = export.results(session, principal, workshop_id)
    return render(
        request,
        "followup.html",
        lang=language(request, data.workshop),
        status_code=status_code,
        r=data,
        points=data.matrix_points(),
        is_facilitator=principal.is_facilitator,
        **context,
    )


@router.get("")
def followup_page(workshop_id: int, request: Request, session: SessionDep) -> Response:
    exchanged = exchange_key(request, session, workshop_id, ROLES)
    if exchanged is not None:
        return exchanged
    principal = page_principal(request, session, workshop_id, *ROLES)
    return _page(request, session, principal, workshop_id)


@router.get("/export.xlsx")
def download_xlsx(workshop_id: int, request: Request, session: SessionDep) -> Response:
    principal = page_principal(request, session, workshop_id, *ROLES)
    content = export.export_xlsx(session, principal, workshop_id)
    name = export.file_name(workshops.get_workshop(session, workshop_id), "xlsx")
    return download(content, export.XLSX_TYPE, name)


@router.get("/export.json")
def download_json(workshop_id: int, request: Request, session: SessionDep) -> Response:
    principal = page_principal(request, session, workshop_id, *ROLES)
    data = archive.archive(session, principal, workshop_id)
    name = export.file_name(workshops.get_workshop(session, workshop_id), "json")
    response = JSONResponse(data)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@router.post("/import")
def upload(
    workshop_id: int,
    request: Request,
    session: SessionDep,
    file: UploadFile | None = File(default=None),
) -> Response:
    principal = page_principal(request, session, workshop_id, *ROLES)
    result: ImportResult | None = None
    problems: list[DomainError] = []
    try:
        result = importer.import_actions(session, principal, workshop_id, read_upload(file))
    except ImportRejected as exc:
        problems = list(exc.problems)
    except DomainError as exc:
        if exc.status_code in (401, 403, 404):
            raise
        problems = [exc]
    status = problems[0].status_code if problems else 200
    return _page(
        request,
        session,
        principal,
        workshop_id,
        status_code=status,
        imported=result,
        problems=problems,
        file_name=file.filename if file is not None else None,
    )
