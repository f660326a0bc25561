"""Read an edited action list back: owners, due dates, status and priority of the actions it
recognises by ID. All or nothing: one problem anywhere and nothing changes, and every problem is
reported with its row and column so it can be fixed in the file.

The workbook is read before the change is queued, so a slow file never holds the workshop's
lock, nor the unit of work's lane that every change of the room goes through.
"""

import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from io import BytesIO
from typing import Any

from openpyxl import load_workbook
from openpyxl.utils import column_index_from_string, get_column_letter
from sqlmodel import select

from app.config import get_settings
from app.db import reading
from app.i18n import LANGUAGES, translate
from app.i18n.labels import STATUS_LABELS
from app.models import Item, Kind, Status, utcnow
from app.services import items, uow, workshops
from app.services.auth import Principal, Role, require
from app.services.errors import DomainError, Invalid, TooLarge
from app.services.export import (
    ABOUT_WORKSHOP_ID,
    ACTION_COLUMNS,
    SHEET_ABOUT,
    SHEET_ACTIONS,
)
from app.services.uow import Change

MAX_UNPACKED = 100 * 1024 * 1024  # a 5 MB file that unpacks to more is not an action list
MAX_ROWS = 20_000
MAX_PROBLEMS = 50
EDITABLE = [c for c in ACTION_COLUMNS if c.editable]


def _(message: str) -> str:
    """Marks a message id for extraction."""
    return message


class BadFile(DomainError):
    """Not a workbook at all."""

    status_code = 400


class ImportRejected(Invalid):
    """Problems in the file, each an Invalid naming its cell; the first is the message."""

    def __init__(self, problems: list[Invalid]) -> None:
        first = problems[0]
        super().__init__(first.message, field=first.field, **first.params)
        self.problems = problems


@dataclass(frozen=True)
class FieldChange:
    field: str
    before: Any
    after: Any


@dataclass
class RowChange:
    row: int
    item_id: int
    text: str
    changes: list[FieldChange] = field(default_factory=list)


@dataclass
class ImportResult:
    rows: int  # action rows read
    changed: list[RowChange]

    @property
    def item_ids(self) -> list[int]:
        return [r.item_id for r in self.changed]

    @property
    def unchanged(self) -> int:
        return self.rows - len(self.changed)


@dataclass(frozen=True)
class SheetColumn:
    key: str
    letter: str
    header: str


@dataclass
class ParsedBook:
    sheet: str
    workshop_id: int | None
    columns: dict[str, SheetColumn]
    rows: list[tuple[int, dict[str, Any]]]  # (row number, column key → cell value)


def _names(message: str) -> set[str]:
    return {translate(lang, message).casefold() for lang in LANGUAGES}


def _norm(value: Any) -> str:
    return " ".join(str(value).split()).casefold() if value is not None else ""


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _workbook_check(data: bytes) -> None:
    try:
        with zipfile.ZipFile(BytesIO(data)) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, ValueError):
        raise BadFile(_("This is not an Excel file (.xlsx)."), field="file") from None
    if len(infos) > 1000 or sum(i.file_size for i in infos) > MAX_UNPACKED:
        raise TooLarge("The file is too large once unpacked.", field="file")


def read_workbook(data: bytes, lang: str) -> ParsedBook:
    """The action rows of an exported workbook, as cell values; no database needed."""
    _workbook_check(data)
    try:
        wb = load_workbook(BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a broken file
        raise BadFile(_("This is not an Excel file (.xlsx)."), field="file") from None
    try:
        return _read_sheets(wb, lang)
    finally:
        wb.close()


def _find_sheet(wb: Any, message: str) -> Any:
    names = _names(message)
    for name in wb.sheetnames:
        if name.strip().casefold() in names:
            return wb[name]
    return None


def _read_sheets(wb: Any, lang: str) -> ParsedBook:
    not_ours = Invalid(
        "This file is not an action list exported from Kraftsamla.",
        field="file",
    )
    actions = _find_sheet(wb, SHEET_ACTIONS)
    about = _find_sheet(wb, SHEET_ABOUT)
    if actions is None:
        if about is None:
            raise not_ours
        raise Invalid(
            "The workbook has no sheet “%(sheet)s”.",
            field="file",
            sheet=translate(lang, SHEET_ACTIONS),
        )
    workshop_id = None
    for label, value, *_rest in about.iter_rows(max_col=2, values_only=True) if about else []:
        if _norm(label) in _names(ABOUT_WORKSHOP_ID):
            workshop_id = _whole_number(value)
            break
    if workshop_id is None:
        raise not_ours
    rows = actions.iter_rows(values_only=True)
    header = next(rows, ())
    known = {name: column for column in ACTION_COLUMNS for name in _names(column.header)}
    columns: dict[str, SheetColumn] = {}
    for index, value in enumerate(header, start=1):
        column = known.get(_norm(value))
        if column is not None and column.key not in columns:
            columns[column.key] = SheetColumn(
                column.key, get_column_letter(index), str(value).strip()
            )
    for needed in ("id", "status"):
        if needed not in columns:
            heading = next(c.header for c in ACTION_COLUMNS if c.key == needed)
            raise Invalid(
                "The sheet “%(sheet)s” has no column “%(column)s”.",
                field="file",
                sheet=actions.title,
                column=translate(lang, heading),
            )
    wanted = {c.key: c for c in columns.values() if c.key == "id" or c.key in _editable_keys()}
    indexes = {key: column_index_from_string(c.letter) - 1 for key, c in wanted.items()}
    parsed: list[tuple[int, dict[str, Any]]] = []
    for number, values in enumerate(rows, start=2):
        cells = {key: values[i] if i < len(values) else None for key, i in indexes.items()}
        if all(_blank(v) for v in cells.values()):
            continue
        if len(parsed) >= MAX_ROWS:
            raise Invalid("The sheet has too many rows.", field="file")
        parsed.append((number, cells))
    return ParsedBook(actions.title, workshop_id, columns, parsed)


def _editable_keys() -> set[str]:
    return {c.key for c in EDITABLE}


def _whole_number(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def _shown(value: Any) -> str:
    text = value.isoformat() if isinstance(value, date) else str(value if value is not None else "")
    text = " ".join(text.split())
    return text if len(text) <= 40 else text[:39] + "…"


def status_from_label(value: Any) -> str | None:
    """A status as the sheet shows it (Swedish or English label, or its code) → the code."""
    wanted = _norm(value)
    if not wanted:
        return None
    for status in Status:
        if wanted in _names(STATUS_LABELS[status]) | {status.value, status.value.replace("_", " ")}:
            return status.value
    return None


def _cell_date(value: Any) -> Any:
    """A due date cell as the service takes it: a date cell or ISO text becomes a date; anything
    else goes on as it is, for validate_action_fields to refuse."""
    if _blank(value):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, str):
        text = value.strip()
        for parse in (date.fromisoformat, lambda t: datetime.fromisoformat(t).date()):
            try:
                return parse(text)
            except ValueError:
                continue
        return text
    return value


def _cell_text(value: Any) -> str | None:
    """A text cell as the service takes it: numbers and dates typed into it become text."""
    if _blank(value):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime | date):
        value = value.isoformat()
    return str(value)


def _cell_priority(value: Any) -> Any:
    """A priority cell: a whole number (also 3.0 or "3") becomes an int; anything else goes on
    as it is, for validate_action_fields to refuse."""
    if _blank(value):
        return None
    number = _whole_number(value)
    return number if number is not None else value


# What the service says about a field → the same, said about a cell. Each gets the row, column,
# header and the cell's value as written, besides the service's own parameters (max, first, …).
CELL_MESSAGES = {
    "Too long (at most %(max)s characters).": _(
        "Row %(row)s, column %(column)s (%(header)s): too long (at most %(max)s characters)."
    ),
    "Write the date as YYYY-MM-DD.": _(
        "Row %(row)s, column %(column)s (%(header)s): “%(value)s” is not a date. "
        "Write it as YYYY-MM-DD."
    ),
    "Pick a due date between the years %(first)s and %(last)s.": _(
        "Row %(row)s, column %(column)s (%(header)s): pick a due date between the years "
        "%(first)s and %(last)s."
    ),
    "Unknown status.": _(
        "Row %(row)s, column %(column)s (%(header)s): unknown status “%(value)s”. "
        "Pick one from the list."
    ),
    "Priority is a whole number from 1 (first) to %(max)s.": _(
        "Row %(row)s, column %(column)s (%(header)s): “%(value)s” is not a priority. "
        "Write a whole number from 1 (first) to %(max)s."
    ),
}
CELL_MESSAGE_OTHER = _("Row %(row)s, column %(column)s (%(header)s): “%(value)s” cannot be used.")


def _problem(message: str, book: ParsedBook, key: str, row: int, **params: Any) -> Invalid:
    column = book.columns[key]
    return Invalid(
        message,
        field=f"{book.sheet}!{column.letter}{row}",
        row=row,
        column=column.letter,
        header=column.header,
        **params,
    )


def _read_row(
    book: ParsedBook, row: int, cells: dict[str, Any], problems: list[Invalid]
) -> dict[str, Any]:
    """The new values of one row, or problems. The cells are only read here (a date cell, a
    status label in either language); the rules are the service's, the same as for a PATCH."""
    sent: dict[str, Any] = {}
    for key in ("owner_organization", "owner_person"):
        if key in book.columns:
            sent[key] = _cell_text(cells[key])
    if "due_date" in book.columns:
        sent["due_date"] = _cell_date(cells["due_date"])
    status = cells["status"]
    sent["status"] = status_from_label(status) or (None if _blank(status) else str(status))
    if "priority" in book.columns:
        sent["priority"] = _cell_priority(cells["priority"])
    new: dict[str, Any] = {}
    for key, value in sent.items():  # one at a time: every bad cell of the row is reported
        try:
            new.update(items.validate_action_fields({key: value}))
        except Invalid as exc:
            message = CELL_MESSAGES.get(exc.message, CELL_MESSAGE_OTHER)
            params = {**exc.params, "value": _shown(cells[key])}
            problems.append(_problem(message, book, key, row, **params))
    return new


def import_actions(principal: Principal, workshop_id: int, data: bytes) -> ImportResult:
    """Apply an edited export to the workshop's actions, all or nothing. Call from a thread: the
    file is read first, outside the unit of work's lane (see the module's note)."""
    require(principal, workshop_id, Role.facilitator, Role.followup)
    limit = get_settings().max_upload_bytes
    if len(data) > limit:
        raise TooLarge(
            "The file is too large (at most %(max)s MB).", field="file", max=limit // 1024 // 1024
        )
    if not data:
        raise Invalid("Choose the Excel file (.xlsx) to upload.", field="file")
    with reading() as session:
        lang = workshops.get_workshop(session, workshop_id).language
    book = read_workbook(data, lang)
    if book.workshop_id != workshop_id:
        raise Invalid(
            "This action list belongs to another workshop (number %(number)s).",
            field="file",
            number=book.workshop_id,
        )
    return uow.run(_apply, principal, workshop_id, book)


def _apply(
    change: Change, principal: Principal, workshop_id: int, book: ParsedBook
) -> ImportResult:
    require(principal, workshop_id, Role.facilitator, Role.followup)
    session = change.session
    change.lock(workshop_id)
    actions = {
        item.id: item
        for item in session.exec(
            select(Item).where(Item.workshop_id == workshop_id, Item.kind == Kind.action)
        ).all()
    }
    problems: list[Invalid] = []
    seen: dict[int, int] = {}
    changed: list[RowChange] = []
    for row, cells in book.rows:
        if len(problems) >= MAX_PROBLEMS:
            break
        item_id = _whole_number(cells["id"])
        item = actions.get(item_id) if item_id is not None else None
        if item is None or item_id is None:
            problems.append(
                _problem(
                    _(
                        "Row %(row)s, column %(column)s (%(header)s): “%(value)s” is not an action "
                        "of this workshop."
                    ),
                    book,
                    "id",
                    row,
                    value=_shown(cells["id"]),
                )
            )
            continue
        if item.hidden or item.merged_into_id is not None:
            problems.append(
                _problem(
                    _(
                        "Row %(row)s, column %(column)s (%(header)s): action %(value)s was hidden "
                        "or merged after the export. Delete the row."
                    ),
                    book,
                    "id",
                    row,
                    value=item_id,
                )
            )
            continue
        if item_id in seen:
            problems.append(
                _problem(
                    _(
                        "Row %(row)s, column %(column)s (%(header)s): action %(value)s is "
                        "already on row %(first)s."
                    ),
                    book,
                    "id",
                    row,
                    value=item_id,
                    first=seen[item_id],
                )
            )
            continue
        seen[item_id] = row
        new = _read_row(book, row, cells, problems)
        differences = [
            FieldChange(key, getattr(item, key), value)
            for key, value in new.items()
            if getattr(item, key) != value
        ]
        if differences:
            changed.append(RowChange(row, item_id, item.text, differences))
    if problems:
        raise ImportRejected(problems)
    if not changed:
        return ImportResult(len(book.rows), [])  # nothing to record: no event number used
    now = utcnow()
    for row_change in changed:
        item = actions[row_change.item_id]
        for difference in row_change.changes:
            setattr(item, difference.field, difference.after)
        item.updated_at = now
        item.version += 1
        session.add(item)
    change.log("items.imported", item_ids=[c.item_id for c in changed])
    return ImportResult(len(book.rows), changed)
