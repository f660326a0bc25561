"""The follow-up page: results on an office PC, the Excel download, the follow-up of each action
(status, colour, note), the upload of an edited action list (previewed, then confirmed), and the
workshop's audit. The follow-up link opens it; so does the facilitator's cookie."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Request, Response, UploadFile
from fastapi.responses import JSONResponse, RedirectResponse
from starlette.concurrency import run_in_threadpool

from app.db import reading
from app.deps import ItemId
from app.files import download, read_upload
from app.models import FollowUp, Status
from app.numbers import whole_number
from app.services import archive, audit, export, importer, items, uow, workshops
from app.services.auth import Principal
from app.services.errors import DomainError
from app.services.importer import ImportRejected, ImportResult
from app.web.common import check_csrf, language, render, workshop_path
from app.web.deps import FollowupPage

router = APIRouter(prefix="/w/{slug}/followup", dependencies=[Depends(check_csrf)])
Small = Annotated[str, Form(max_length=40)]
PLANNED_MAX = 200_000  # characters of a confirmed preview (thousands of changed cells)


def _page(
    request: Request, principal: Principal, status_code: int = 200, **context: Any
) -> Response:
    only_shortlisted = request.query_params.get("shortlisted") == "1"
    with reading() as session:
        data = export.results(session, principal, principal.workshop_id)
        log = audit.workshop_audit(session, principal, principal.workshop_id)
    return render(
        request,
        "followup.html",
        lang=language(request, data.workshop),
        status_code=status_code,
        r=data,
        points=data.matrix_points(),
        is_facilitator=principal.is_facilitator,
        only_shortlisted=only_shortlisted,
        shown=[a for a in data.actions if a.item.shortlisted or not only_shortlisted],
        log=log,
        statuses=[s.value for s in Status],
        follow_ups=[c.value for c in FollowUp],
        request_saved=whole_number(request.query_params.get("saved")),
        **context,
    )


@router.get("")
def followup_page(request: Request, principal: FollowupPage) -> Response:
    return _page(request, principal)


@router.get("/export.xlsx")
def download_xlsx(principal: FollowupPage) -> Response:
    with reading() as session:
        content = export.export_xlsx(session, principal, principal.workshop_id)
        name = export.file_name(workshops.get_workshop(session, principal.workshop_id), "xlsx")
    uow.run(audit.record_export, principal, principal.workshop_id, "xlsx")
    return download(content, export.XLSX_TYPE, name)


@router.get("/export.json")
def download_json(principal: FollowupPage) -> Response:
    with reading() as session:
        data = archive.archive(session, principal, principal.workshop_id)
        name = export.file_name(workshops.get_workshop(session, principal.workshop_id), "json")
    uow.run(audit.record_export, principal, principal.workshop_id, "json")
    response = JSONResponse(data)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@router.post("/actions/{item_id}")
async def follow_up_action(
    item_id: ItemId,
    request: Request,
    principal: FollowupPage,
    status: Small = "",
    follow_up: Small = "",
    follow_up_note: Annotated[str, Form(max_length=10_000)] = "",
) -> Response:
    """An owner's follow-up of one action: status, colour and note (what the follow-up link may
    change; the service decides that)."""
    patch = items.ItemPatch(
        status=status, follow_up=follow_up or None, follow_up_note=follow_up_note or None
    )
    try:
        await uow.submit(items.update_item, principal, item_id, patch, via="page")
    except DomainError as error:
        if error.status_code in (401, 403, 404):
            raise
        return await run_in_threadpool(
            _page, request, principal, error.status_code, action_error=error, error_item=item_id
        )
    target = workshop_path(request, "followup") + f"?saved={item_id}#action-{item_id}"
    return RedirectResponse(target, status_code=303)


def _import(request: Request, principal: Principal, data: bytes, file_name: str | None) -> Response:
    """The upload is a dry run: the page shows what would change, to confirm or cancel."""
    result: ImportResult | None = None
    problems: list[DomainError] = []
    try:
        result = importer.import_actions(principal, principal.workshop_id, data, dry_run=True)
    except ImportRejected as exc:
        problems = list(exc.problems)
    except DomainError as exc:
        if exc.status_code in (401, 403, 404):
            raise
        problems = [exc]
    status = problems[0].status_code if problems else 200
    return _page(
        request,
        principal,
        status_code=status,
        preview=result,
        planned=importer.planned_json(result) if result is not None else "",
        problems=problems,
        file_name=file_name,
    )


@router.post("/import")
async def upload(
    request: Request, principal: FollowupPage, file: UploadFile | None = File(default=None)
) -> Response:
    data = await run_in_threadpool(read_upload, file)
    name = file.filename if file is not None else None
    return await run_in_threadpool(_import, request, principal, data, name)


@router.post("/import/confirm")
async def confirm_import(
    request: Request,
    principal: FollowupPage,
    planned: Annotated[str, Form(max_length=PLANNED_MAX)] = "",
) -> Response:
    """Apply exactly what the preview showed; when an action changed in between, nothing."""
    try:
        result = await uow.submit(
            importer.apply_planned,
            principal,
            principal.workshop_id,
            importer.planned_from_json(planned),
        )
    except DomainError as error:
        if error.status_code in (401, 403, 404):
            raise
        return await run_in_threadpool(
            _page, request, principal, error.status_code, problems=[error]
        )
    return await run_in_threadpool(_page, request, principal, imported=result)
