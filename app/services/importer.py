"""Read an edited action list back: the action plan's fields (goal, when, who, follow-up,
indicator, status, priority) of the actions it recognises by ID, from the sheet "Action plan" and
from the sheet "Actions" (older exports have only that one). All or nothing: one problem anywhere
and nothing changes, and every problem is reported with its sheet, row and column so it can be
fixed in the file. A field changed on both sheets must be changed to the same value.

A dry run answers what would change, row by row, and writes nothing. The follow-up page shows
that preview and, when confirmed, applies exactly what it showed (`apply_planned`): a field that
someone changed in between is refused (Stale) rather than overwritten.

The workbook is read before the change is queued, so a slow file never holds the workshop's
lock, nor the unit of work's lane that every change of the room goes through.
"""

import json
import re
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
from app.i18n.labels import FOLLOW_UP_LABELS, FOLLOW_UP_MEANINGS, STATUS_LABELS
from app.models import FollowUp, Item, Kind, Status, utcnow
from app.numbers import whole_number
from app.services import items, uow, workshops
from app.services.auth import Principal, Role, require
from app.services.errors import DomainError, Invalid, Stale, TooLarge
from app.services.export import (
    ABOUT_WORKSHOP_ID,
    ACTION_COLUMNS,
    PLAN_COLUMNS,
    SHEET_ABOUT,
    SHEET_ACTIONS,
    SHEET_PLAN,
    SheetColumn,
)
from app.services.uow import Change

MAX_UNPACKED = 100 * 1024 * 1024  # a 5 MB file that unpacks to more is not an action list
# Rows read from a sheet, blank ones too: a blank row costs as much to read as a full one (an
# 88 kB file can hold half a million of them), so reading stops at the limit. An action list
# has hundreds of rows.
MAX_ROWS = 20_000
MAX_COLUMNS = 200  # an export has about twenty; a cell far to the right pads every row to it
MAX_PROBLEMS = 50
MAX_PLANNED = 5000  # field changes confirmed from one preview
# The sheets read back, first to last, each with its columns and the ones it cannot do without.
SHEETS: list[tuple[str, list[SheetColumn], tuple[str, ...]]] = [
    (SHEET_PLAN, PLAN_COLUMNS, ("id",)),
    (SHEET_ACTIONS, ACTION_COLUMNS, ("id", "status")),
]
EDITABLE_FIELDS = {c.key for _, columns, _ in SHEETS for c in columns if c.editable}
TEXT_FIELDS = (
    "owner_organization",
    "owner_person",
    "owner_contact",
    "goal",
    "indicator",
    "follow_up_note",
)


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
    sheet: str = ""


@dataclass
class ImportResult:
    rows: int  # action rows read (of the first sheet that has any)
    changed: list[RowChange]
    dry_run: bool = False

    @property
    def item_ids(self) -> list[int]:
        return [r.item_id for r in self.changed]

    @property
    def unchanged(self) -> int:
        return self.rows - len(self.changed)


@dataclass(frozen=True)
class FoundColumn:
    """A column as found in an uploaded sheet (an export.SheetColumn by its header)."""

    key: str
    letter: str
    header: str


@dataclass
class ParsedBook:
    """One sheet of action rows (the name is older than the second sheet)."""

    sheet: str
    workshop_id: int | None
    columns: dict[str, FoundColumn]
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


_ROW_TAG = re.compile(rb"<(?:\w+:)?row[\s/>]")


def _rows_check(data: bytes) -> None:
    """No sheet holds more than MAX_ROWS rows, counted in its XML before openpyxl reads it: on
    opening, openpyxl reads a sheet with no <dimension> to its end, and it reads blank rows one
    by one, so half a million blank rows in 38 kB cost seconds before the first is looked at.
    Counting tags runs at the speed of unzipping."""
    with zipfile.ZipFile(BytesIO(data)) as archive:
        for info in archive.infolist():
            if not info.filename.endswith(".xml"):
                continue
            rows, tail = 0, b""
            with archive.open(info) as member:
                while chunk := member.read(1 << 20):
                    rows += len(_ROW_TAG.findall(tail + chunk))
                    tail = chunk[-32:]
                    rows -= len(_ROW_TAG.findall(tail))  # counted again with the next chunk
                    if rows > MAX_ROWS + 1:
                        raise Invalid(
                            "A sheet has more than %(max)s rows (empty rows count too).",
                            field="file",
                            max=MAX_ROWS,
                        )


def read_workbook(data: bytes, lang: str) -> list[ParsedBook]:
    """The action rows of each sheet of an exported workbook, as cell values; no database
    needed."""
    _workbook_check(data)
    _rows_check(data)
    try:
        wb = load_workbook(BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a broken file
        raise BadFile(_("This is not an Excel file (.xlsx)."), field="file") from None
    try:
        return _read_sheets(wb, lang)
    except DomainError:
        raise
    except Exception:  # a sheet is read as it is used: its broken XML shows up only here
        raise BadFile(
            _("A sheet in the file is damaged. Download the action list again and edit that copy."),
            field="file",
        ) from None
    finally:
        wb.close()


def _find_sheet(wb: Any, message: str) -> Any:
    names = _names(message)
    for name in wb.sheetnames:
        if name.strip().casefold() in names:
            return wb[name]
    return None


def _read_sheets(wb: Any, lang: str) -> list[ParsedBook]:
    not_ours = Invalid(
        "This file is not an action list exported from Kraftsamla.",
        field="file",
    )
    found = [(_find_sheet(wb, name), columns, needed) for name, columns, needed in SHEETS]
    about = _find_sheet(wb, SHEET_ABOUT)
    if all(sheet is None for sheet, _, _ in found):
        if about is None:
            raise not_ours
        raise Invalid(
            "The workbook has no sheet “%(sheet)s”.",
            field="file",
            sheet=translate(lang, SHEET_PLAN),
        )
    workshop_id = None
    for label, value, *_rest in about.iter_rows(max_col=2, values_only=True) if about else []:
        if _norm(label) in _names(ABOUT_WORKSHOP_ID):
            workshop_id = _whole_number(value)
            break
    if workshop_id is None:
        raise not_ours
    return [
        _read_sheet(sheet, columns, needed, workshop_id, lang)
        for sheet, columns, needed in found
        if sheet is not None
    ]


def _read_sheet(
    sheet: Any,
    known_columns: list[SheetColumn],
    needed: tuple[str, ...],
    workshop_id: int,
    lang: str,
) -> ParsedBook:
    rows = sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS)
    header = next(rows, ())
    known = {
        name: column
        for column in known_columns
        for message in (column.header, *column.aliases)
        for name in _names(message)
    }
    columns: dict[str, FoundColumn] = {}
    for index, value in enumerate(header, start=1):
        column = known.get(_norm(value))
        if column is not None and column.key not in columns:
            columns[column.key] = FoundColumn(
                column.key, get_column_letter(index), str(value).strip()
            )
    for key in needed:
        if key not in columns:
            heading = next(c.header for c in known_columns if c.key == key)
            raise Invalid(
                "The sheet “%(sheet)s” has no column “%(column)s”.",
                field="file",
                sheet=sheet.title,
                column=translate(lang, heading),
            )
    editable = {c.key for c in known_columns if c.editable}
    wanted = {c.key: c for c in columns.values() if c.key == "id" or c.key in editable}
    indexes = {key: column_index_from_string(c.letter) - 1 for key, c in wanted.items()}
    parsed: list[tuple[int, dict[str, Any]]] = []
    for number, values in enumerate(rows, start=2):
        if number > MAX_ROWS + 1:  # every row counts, blank or not (see MAX_ROWS)
            raise Invalid(
                "The sheet “%(sheet)s” has more than %(max)s rows (empty rows count too).",
                field="file",
                sheet=sheet.title,
                max=MAX_ROWS,
            )
        cells = {key: values[i] if i < len(values) else None for key, i in indexes.items()}
        if all(_blank(v) for v in cells.values()):
            continue
        parsed.append((number, cells))
    return ParsedBook(sheet.title, workshop_id, columns, parsed)


def _whole_number(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        return whole_number(value)  # never int() on "²" or 5,000 digits
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


def follow_up_from_label(value: Any) -> str | None:
    """A follow-up colour as the sheet shows it ("Grön", "Green – on track", "green") → its
    code."""
    wanted = _norm(value)
    if not wanted:
        return None
    for colour in FollowUp:
        names = _names(FOLLOW_UP_LABELS[colour]) | _names(FOLLOW_UP_MEANINGS[colour])
        if wanted in names | {colour.value}:
            return colour.value
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
    "Unknown follow-up colour: green, yellow or red.": _(
        "Row %(row)s, column %(column)s (%(header)s): “%(value)s” is not a follow-up colour. "
        "Pick green, yellow or red from the list."
    ),
}
CELL_MESSAGE_OTHER = _("Row %(row)s, column %(column)s (%(header)s): “%(value)s” cannot be used.")


def _problem(message: str, book: ParsedBook, key: str, row: int, **params: Any) -> Invalid:
    column = book.columns[key]
    return Invalid(
        message,
        field=f"{book.sheet}!{column.letter}{row}",
        sheet=book.sheet,
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
    for key in TEXT_FIELDS:
        if key in book.columns:
            sent[key] = _cell_text(cells[key])
    if "due_date" in book.columns:
        sent["due_date"] = _cell_date(cells["due_date"])
    if "status" in book.columns:
        status = cells["status"]
        sent["status"] = status_from_label(status) or (None if _blank(status) else str(status))
    if "follow_up" in book.columns:
        colour = cells["follow_up"]
        sent["follow_up"] = follow_up_from_label(colour) or (
            None if _blank(colour) else str(colour)
        )
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


def import_actions(
    principal: Principal, workshop_id: int, data: bytes, dry_run: bool = False
) -> ImportResult:
    """Apply an edited export to the workshop's actions, all or nothing (or, with `dry_run`, say
    what would change and write nothing). Call from a thread: the file is read first, outside
    the unit of work's lane (see the module's note)."""
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
    books = read_workbook(data, lang)
    if books[0].workshop_id != workshop_id:
        raise Invalid(
            "This action list belongs to another workshop (number %(number)s).",
            field="file",
            number=books[0].workshop_id,
        )
    return uow.run(_apply, principal, workshop_id, books, dry_run)


def _row_problem(message: str, book: ParsedBook, row: int, **params: Any) -> Invalid:
    return _problem(message, book, "id", row, **params)


def _apply(
    change: Change,
    principal: Principal,
    workshop_id: int,
    books: list[ParsedBook],
    dry_run: bool = False,
) -> ImportResult:
    require(principal, workshop_id, Role.facilitator, Role.followup)
    change.lock(workshop_id)
    actions = _actions(change, workshop_id)
    problems: list[Invalid] = []
    changed: list[RowChange] = []
    # (item, field) → the new value and where it was read, to find a field changed two ways.
    planned: dict[tuple[int, str], tuple[Any, ParsedBook, int]] = {}
    for book in books:
        seen: dict[int, int] = {}
        for row, cells in book.rows:
            if len(problems) >= MAX_PROBLEMS:
                break
            item_id = _whole_number(cells["id"])
            item = actions.get(item_id) if item_id is not None else None
            if item is None or item_id is None:
                problems.append(
                    _row_problem(
                        _(
                            "Row %(row)s, column %(column)s (%(header)s): “%(value)s” is not an "
                            "action of this workshop."
                        ),
                        book,
                        row,
                        value=_shown(cells["id"]),
                    )
                )
                continue
            if item.hidden or item.merged_into_id is not None:
                problems.append(
                    _row_problem(
                        _(
                            "Row %(row)s, column %(column)s (%(header)s): action %(value)s was "
                            "hidden or merged after the export. Delete the row."
                        ),
                        book,
                        row,
                        value=item_id,
                    )
                )
                continue
            if item_id in seen:
                problems.append(
                    _row_problem(
                        _(
                            "Row %(row)s, column %(column)s (%(header)s): action %(value)s is "
                            "already on row %(first)s."
                        ),
                        book,
                        row,
                        value=item_id,
                        first=seen[item_id],
                    )
                )
                continue
            seen[item_id] = row
            differences = []
            for key, value in _read_row(book, row, cells, problems).items():
                if getattr(item, key) == value:
                    continue
                earlier = planned.get((item_id, key))
                if earlier is None:
                    planned[(item_id, key)] = (value, book, row)
                    differences.append(FieldChange(key, getattr(item, key), value))
                elif earlier[0] != value:
                    problems.append(
                        _problem(
                            _(
                                "Row %(row)s, column %(column)s (%(header)s): action %(value)s "
                                "is changed differently on the sheet “%(other)s” (row "
                                "%(first)s). Change it on one sheet only."
                            ),
                            book,
                            key,
                            row,
                            value=item_id,
                            other=earlier[1].sheet,
                            first=earlier[2],
                        )
                    )
            if differences:
                changed.append(RowChange(row, item_id, item.text, differences, book.sheet))
    if problems:
        raise ImportRejected(problems)
    rows = next((len(b.rows) for b in books if b.rows), 0)
    if dry_run or not changed:
        return ImportResult(rows, changed, dry_run)  # nothing written: no event number used
    _write(change, principal, actions, changed)
    return ImportResult(rows, changed)


def _actions(change: Change, workshop_id: int) -> dict[int, Item]:
    return {
        item.id: item
        for item in change.session.exec(
            select(Item).where(Item.workshop_id == workshop_id, Item.kind == Kind.action)
        ).all()
        if item.id is not None
    }


def _write(
    change: Change, principal: Principal, actions: dict[int, Item], changed: list[RowChange]
) -> None:
    """Write the changes, one history line per field, and the import's event."""
    now = utcnow()
    role = principal.role.value
    for row_change in changed:
        item = actions[row_change.item_id]
        for difference in row_change.changes:
            change.audit(
                role,
                "edit",
                item_id=item.id,
                field=difference.field,
                before=difference.before,
                after=difference.after,
                via="import",
            )
            setattr(item, difference.field, difference.after)
        item.updated_at = now
        item.version += 1
        change.session.add(item)
    change.audit(role, "import", after=len(changed), via="import")
    change.log("items.imported", item_ids=[c.item_id for c in changed])


# --- A preview, confirmed -----------------------------------------------------------------------


@dataclass(frozen=True)
class Planned:
    """One field of one action, as the preview showed it: from `before` to `after`."""

    item_id: int
    field: str
    before: Any
    after: Any


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


def planned_json(result: ImportResult) -> str:
    """What a preview showed, for the form that confirms it."""
    return json.dumps(
        [
            [c.item_id, f.field, _plain(f.before), _plain(f.after)]
            for c in result.changed
            for f in c.changes
        ],
        ensure_ascii=False,
        separators=(",", ":"),
    )


def planned_from_json(text: str) -> list[Planned]:
    """The confirmed preview back from its form; anything else is Invalid."""
    bad = Invalid("The preview could not be read. Upload the file again.", field="planned")
    try:
        rows = json.loads(text)
    except ValueError:
        raise bad from None
    if not isinstance(rows, list) or not 0 < len(rows) <= MAX_PLANNED:
        raise bad
    planned = []
    for row in rows:
        if (
            not isinstance(row, list)
            or len(row) != 4
            or isinstance(row[0], bool)
            or not isinstance(row[0], int)
            or row[1] not in EDITABLE_FIELDS
        ):
            raise bad
        planned.append(Planned(row[0], row[1], row[2], row[3]))
    return planned


def apply_planned(
    change: Change, principal: Principal, workshop_id: int, planned: list[Planned]
) -> ImportResult:
    """Apply what a preview showed, all or nothing: when a field is no longer what the preview
    started from (someone changed it since), nothing changes (Stale)."""
    require(principal, workshop_id, Role.facilitator, Role.followup)
    change.lock(workshop_id)
    actions = _actions(change, workshop_id)
    rows: dict[int, RowChange] = {}
    for plan in planned:
        item = actions.get(plan.item_id)
        if item is None or item.hidden or item.merged_into_id is not None:
            raise Stale("The actions changed after the preview. Upload the file again.")
        after = items.validate_action_fields({plan.field: plan.after})[plan.field]
        before = getattr(item, plan.field)
        if _plain(before) != plan.before:
            raise Stale("The actions changed after the preview. Upload the file again.")
        if before == after:
            continue
        row = rows.setdefault(plan.item_id, RowChange(0, plan.item_id, item.text))
        row.changes.append(FieldChange(plan.field, before, after))
    changed = [r for r in rows.values() if r.changes]
    if changed:
        _write(change, principal, actions, changed)
    return ImportResult(len(changed), changed)
