"""The results of a workshop and the Excel action list the follow-up owners take home.

`results()` gathers what the follow-up page and the workbook show: the actions with their
numbers (app/services/ranking.py) and owners, the chain "what we saw → why → what we do", votes,
impact/effort means, and each action's history. Hidden and merged notes are left out, and so are
links to them.

`export_xlsx()` writes the workbook in the workshop's language. Its first sheet is the action
plan in the shape of Brå's guidance for police and municipalities: cause (numbered), action,
operational goal, when, who, follow-up (green/yellow/red), one row per action taken forward.
User text is always written as a text cell (never a formula, whatever it starts with: OWASP
"CSV/formula injection"), and no cell holds a formula. `app/services/importer.py` reads an edited
copy back; the column keys below are shared with it.
"""

import re
import unicodedata
from collections.abc import Iterable, Sequence
from copy import copy
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from io import BytesIO
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.formatting.rule import CellIsRule
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import to_excel
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet
from sqlmodel import Session, col, select

from app.i18n import translate
from app.i18n.labels import (
    AUDIT_ACTIONS,
    FIELD_LABELS,
    FOLLOW_UP_LABELS,
    ROLE_LABELS,
    VIA_LABELS,
    follow_up_label,
    label_of,
    status_label,
    value_label,
)
from app.models import FocusArea, FollowUp, Item, Kind, Participant, Status, Workshop
from app.services import audit, breakdown, ranking, workshops
from app.services import items as items_service
from app.services.audit import Line
from app.services.auth import Principal, Role, require
from app.services.ratings import RatingSummary, rating_summary


def _(message: str) -> str:
    """Marks a message id for extraction; translated when the workbook is written."""
    return message


XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CELL_MAX = 32_000  # Excel holds at most 32,767 characters in a cell
WIDTH_MIN, WIDTH_MAX = 6, 60

# Sheet names, English message ids (Swedish: Åtgärdsplan, Åtgärder, Orsaker, Lägesbild,
# Deltagare, Historik, Om).
SHEET_PLAN = _("Action plan")
SHEET_HISTORY = _("History")
SHEET_ACTIONS = _("Actions")
SHEET_CAUSES = _("Causes")
SHEET_SITUATIONS = _("Situation picture")
SHEET_PARTICIPANTS = _("Participants")
SHEET_BY_ORGANIZATION = _("By organization")
SHEET_ABOUT = _("About")


@dataclass(frozen=True)
class SheetColumn:
    key: str
    header: str  # English message id
    width: int  # the most it grows to; long text wraps inside it
    editable: bool = False  # read back by the importer
    aliases: tuple[str, ...] = ()  # other headers the importer knows it by (older exports)


ACTION_COLUMNS = [
    SheetColumn("id", _("ID"), 8),
    SheetColumn("area", _("Focus area"), 22),
    SheetColumn("text", _("Action"), 60),
    SheetColumn("priority", _("Priority"), 11, editable=True),
    SheetColumn("votes", _("Dots"), 9),
    SheetColumn("impact", _("Impact (mean)"), 11),
    SheetColumn("effort", _("Effort (mean)"), 11),
    SheetColumn("ratings", _("Ratings"), 11),
    SheetColumn("owner_organization", _("Owner organization"), 26, editable=True),
    SheetColumn("owner_person", _("Owner"), 24, editable=True),
    SheetColumn("due_date", _("Due date"), 13, editable=True),
    SheetColumn("status", _("Status"), 14, editable=True),
    SheetColumn("causes", _("Cause"), 50),
    SheetColumn("situations", _("Situation"), 50),
    SheetColumn("shortlisted", _("Taken forward"), 12),
]
# Brå's action plan: cause, action, operational goal, when, who, follow-up; then ours.
PLAN_COLUMNS = [
    SheetColumn("cause_numbers", _("Cause no."), 8),
    SheetColumn("causes", _("Cause"), 30),
    SheetColumn("text", _("Action"), 32),
    SheetColumn(
        "goal", _("Operational goals"), 28, editable=True, aliases=(_("Operational goal"),)
    ),
    SheetColumn("due_date", _("When"), 12, editable=True, aliases=(_("Due date"),)),
    SheetColumn(
        "owner_organization",
        _("Who – organization"),
        16,
        editable=True,
        aliases=(_("Owner organization"),),
    ),
    SheetColumn("owner_person", _("Who – person"), 18, editable=True, aliases=(_("Owner"),)),
    SheetColumn("owner_contact", _("Who – contact details"), 20, editable=True),
    SheetColumn("follow_up", _("Follow-up"), 13, editable=True, aliases=(_("Progress"),)),
    SheetColumn("follow_up_note", _("Follow-up note"), 28, editable=True),
    SheetColumn("indicator", _("Indicator"), 26, editable=True),
    SheetColumn("status", _("Status"), 13, editable=True),
    SheetColumn("priority", _("Priority"), 11, editable=True),
    SheetColumn("area", _("Focus area"), 16),
    SheetColumn("rank", _("Rank"), 7),
    SheetColumn("id", _("ID"), 7),
]
HISTORY_COLUMNS = [
    SheetColumn("at", _("Time (UTC)"), 17),
    SheetColumn("rank", _("Rank"), 7),
    SheetColumn("id", _("ID"), 8),
    SheetColumn("text", _("Action"), 40),
    SheetColumn("what", _("What"), 22),
    SheetColumn("field", _("Field"), 22),
    SheetColumn("before", _("From"), 30),
    SheetColumn("after", _("To"), 30),
    SheetColumn("who", _("Who"), 18),
    SheetColumn("via", _("Via"), 14),
]
CAUSE_COLUMNS = [
    SheetColumn("id", _("ID"), 8),
    SheetColumn("area", _("Focus area"), 22),
    SheetColumn("text", _("Cause"), 60),
    SheetColumn("votes", _("Dots"), 9),
    SheetColumn("situations", _("Situation"), 50),
    SheetColumn("actions", _("Action"), 50),
    SheetColumn("number", _("Cause no."), 9),
]
SITUATION_COLUMNS = [
    SheetColumn("id", _("ID"), 8),
    SheetColumn("area", _("Focus area"), 22),
    SheetColumn("text", _("Situation"), 60),
    SheetColumn("group", _("Group"), 20),
    SheetColumn("causes", _("Cause"), 50),
]
# Names only when the facilitator showed names and someone gave one; otherwise the sheet has no
# names column at all (an always-empty column looked like a fault).
PARTICIPANT_COLUMNS = [
    SheetColumn("organization", _("Organization"), 36),
    SheetColumn("count", _("Participants"), 14),
    SheetColumn("names", _("Names"), 50),
]

# The About sheet: the importer finds the workshop by this row.
ABOUT_WORKSHOP_ID = _("Workshop number")


# --- What the workshop came to ------------------------------------------------------------------


@dataclass
class Situation:
    item: Item
    area: str
    causes: list["Cause"] = field(default_factory=list)

    @property
    def id(self) -> int:
        assert self.item.id is not None
        return self.item.id


@dataclass
class Cause:
    item: Item
    area: str
    votes: int
    situations: list[Situation] = field(default_factory=list)
    actions: list["Action"] = field(default_factory=list)

    @property
    def id(self) -> int:
        assert self.item.id is not None
        return self.item.id

    @property
    def number(self) -> int:
        """ "Orsak 3": per workshop, the same on the board, the follow-up page and the workbook."""
        return self.item.number


@dataclass
class Action:
    item: Item
    area: str
    votes: int
    rating: RatingSummary | None
    rank: int = 0  # the action's number (ranking.action_numbers): the same on every screen
    causes: list[Cause] = field(default_factory=list)
    history: list[Line] = field(default_factory=list)

    @property
    def id(self) -> int:
        assert self.item.id is not None
        return self.item.id

    @property
    def situations(self) -> list[Situation]:
        """The situation notes behind the causes this action addresses, each once."""
        seen: dict[int, Situation] = {}
        for cause in self.causes:
            for situation in cause.situations:
                seen.setdefault(situation.id, situation)
        return list(seen.values())

    @property
    def impact(self) -> float | None:
        return self.rating.impact if self.rating else None

    @property
    def effort(self) -> float | None:
        return self.rating.effort if self.rating else None


@dataclass
class OrganizationCount:
    organization: str | None
    count: int
    names: list[str] = field(default_factory=list)


@dataclass
class Results:
    workshop: Workshop
    focus_areas: list[FocusArea]
    actions: list[Action]  # ranked
    causes: list[Cause]
    situations: list[Situation]
    organizations: list[OrganizationCount]
    # Causes and actions per organization (app/services/breakdown.py, k >= 3).
    breakdowns: list[breakdown.Breakdown] = field(default_factory=list)

    @property
    def id(self) -> int:
        assert self.workshop.id is not None
        return self.workshop.id

    @property
    def slug(self) -> str:
        return self.workshop.slug

    @property
    def participant_count(self) -> int:
        return sum(o.count for o in self.organizations)

    @property
    def shortlisted(self) -> bool:
        return any(a.item.shortlisted for a in self.actions)

    @property
    def plan(self) -> list[Action]:
        """The action plan: the actions taken forward, or all while none is."""
        return [a for a in self.actions if a.item.shortlisted] or self.actions

    def matrix_points(self) -> list[dict[str, Any]]:
        """Plain inputs for partials/_matrix.html: the rated actions, labelled by rank."""
        return [
            {"label": a.rank, "text": a.item.text, "impact": a.impact, "effort": a.effort}
            for a in self.actions
            if a.rating is not None
        ]


def results(session: Session, principal: Principal, workshop_id: int) -> Results:
    """Everything the follow-up page and the export show, in a fixed number of queries."""
    require(principal, workshop_id, Role.facilitator, Role.followup)
    workshop = workshops.get_workshop(session, workshop_id)
    areas = workshops.focus_areas(session, workshop_id)
    area_names = {a.id: a.name for a in areas}
    views = [
        v
        for v in items_service.list_items(session, principal, workshop_id)
        # Held notes (they may hold personal data) stay out until the facilitator releases them.
        if not v.item.hidden and not v.item.held and v.item.merged_into_id is None
    ]
    ratings = rating_summary(session, workshop_id)
    situations: dict[int, Situation] = {}
    causes: dict[int, Cause] = {}
    actions: dict[int, Action] = {}
    for view in views:
        area = area_names.get(view.item.focus_area_id, "")
        if view.item.kind == Kind.situation:
            situations[view.id] = Situation(view.item, area)
        elif view.item.kind == Kind.cause:
            causes[view.id] = Cause(view.item, area, view.votes or 0)
        elif view.item.kind == Kind.action:
            actions[view.id] = Action(view.item, area, view.votes or 0, ratings.get(view.id))
    # Links only between notes that are exported; list_items gives them in a stable order.
    for view in views:
        if view.id in causes:
            cause = causes[view.id]
            cause.situations = [situations[i] for i in view.links if i in situations]
            for situation in cause.situations:
                situation.causes.append(cause)
        elif view.id in actions:
            action = actions[view.id]
            action.causes = [causes[i] for i in view.links if i in causes]
            for cause in action.causes:
                cause.actions.append(action)
    numbers = ranking.action_numbers(session, workshop_id)
    ranked = sorted((a for a in actions.values() if a.id in numbers), key=lambda a: numbers[a.id])
    history = audit.histories(session, [a.item for a in ranked])
    for action in ranked:
        action.rank = numbers[action.id]
        action.history = history.get(action.id, [])
    return Results(
        workshop,
        areas,
        ranked,
        list(causes.values()),
        list(situations.values()),
        organization_counts(session, workshop),
        [breakdown.compute(session, workshop, kind) for kind in (Kind.cause, Kind.action)],
    )


def organization_counts(session: Session, workshop: Workshop) -> list[OrganizationCount]:
    """Participants per organization; names only those people gave, and only when the
    facilitator has chosen to show names."""
    counts: dict[str | None, OrganizationCount] = {}
    for participant in session.exec(
        select(Participant)
        .where(Participant.workshop_id == workshop.id)
        .order_by(col(Participant.joined_at), col(Participant.id))
    ).all():
        org = (participant.organization or "").strip() or None
        key = org.casefold() if org else None
        entry = counts.setdefault(key, OrganizationCount(org, 0))
        entry.count += 1
        if workshop.show_names and participant.display_name:
            entry.names.append(participant.display_name)
    return sorted(
        counts.values(), key=lambda o: (o.organization is None, -o.count, o.organization or "")
    )


# --- The workbook -------------------------------------------------------------------------------

# OWASP "CSV injection"; a carriage return is written as a line break (see safe_text).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")
HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="1D4E89")  # the app's brand blue
EDITABLE_FILL = PatternFill("solid", fgColor="1F6F43")  # green: read back on import
WRAP = Alignment(wrap_text=True, vertical="top")
TOP = Alignment(vertical="top")
DATE_FORMAT = "yyyy-mm-dd"
NUMBER_COLUMNS = {"id", "priority", "votes", "ratings", "count", "rank", "number"}
MEAN_FORMAT = "0.0"


def safe_text(value: str | None) -> str | None:
    """Text a spreadsheet can hold: no XML-illegal control characters, at most CELL_MAX long."""
    if value is None:
        return None
    # XML keeps no lone CR anyway: a reader would see a newline.
    cleaned = ILLEGAL_CHARACTERS_RE.sub("", value.replace("\r\n", "\n").replace("\r", "\n"))
    return cleaned if len(cleaned) <= CELL_MAX else cleaned[: CELL_MAX - 1] + "…"


def put(ws: Worksheet, row: int, column: int, value: Any, style: Any = None) -> Cell:
    """Write one value. Text is always a text cell, never a formula or an error value, whatever
    it starts with. Text that would look like a formula once typed is also marked with the quote
    prefix, so that editing it in Excel or LibreOffice keeps it text too. Both are decided on the
    text as written, after safe_text(): an illegal character in front of "=" is dropped there."""
    cell = Cell(ws, row=row, column=column)
    if style is not None:
        cell._style = copy(style)  # type: ignore[attr-defined]
    if isinstance(value, str):
        text = safe_text(value)
        # Not .value =: that makes "=…" a formula and "#N/A" an error.
        cell._value = text  # type: ignore[attr-defined]
        cell.data_type = "s"
        if text is not None and text.startswith(FORMULA_START):
            cell.quotePrefix = True
    else:
        cell.value = value
    ws._cells[(row, column)] = cell
    return cell


def note_list(notes: Iterable[Situation | Cause | Action]) -> str:
    """Linked notes, one a line: "#12 Unga saknar sysselsättning"."""
    return "\n".join(f"#{n.id} {n.item.text}" for n in notes)


def _mean(value: float | None) -> float | None:
    return round(value, 2) if value is not None else None


class _Sheet:
    """Writes one table: a header row, rows of values, and the finishing touches that make it
    usable (frozen header, filter, widths, wrapping, print setup)."""

    def __init__(
        self,
        wb: Workbook,
        title: str,
        columns: Sequence[SheetColumn],
        lang: str,
        fit_rows: bool = False,
    ) -> None:
        self.ws: Worksheet = wb.create_sheet(title=title)
        self.columns = columns
        self.lang = lang
        # Rows tall enough for their wrapped text: spreadsheets do not grow a row by themselves
        # when they open a file, and a plan printed with cut-off goals is no use.
        self.fit_rows = fit_rows
        self.texts: list[list[tuple[int, str]]] = []
        self.headers = [translate(lang, c.header) for c in columns]
        self.widths = [len(h) + 3 for h in self.headers]  # room for the filter button
        self.rows = 0
        self.ws.append(self.headers)
        for index, column in enumerate(columns, start=1):
            cell = self.ws.cell(row=1, column=index)
            cell.font = HEADER_FONT
            cell.fill = EDITABLE_FILL if column.editable else HEADER_FILL
            cell.alignment = WRAP
        # One style per column, copied to each cell: far cheaper than styling every cell.
        self.styles = [self._column_style(column) for column in columns]

    def _column_style(self, column: SheetColumn) -> Any:
        sample = Cell(self.ws, row=1, column=1)  # a scratch cell, never added
        if column.key == "due_date":
            sample.number_format = DATE_FORMAT
            sample.alignment = TOP
        elif column.key == "at":
            sample.number_format = "yyyy-mm-dd hh:mm"
            sample.alignment = TOP
        elif column.key in ("impact", "effort"):
            sample.number_format = MEAN_FORMAT
            sample.alignment = TOP
        elif column.key in NUMBER_COLUMNS:
            sample.alignment = TOP
        else:
            sample.alignment = WRAP
        return sample._style  # type: ignore[attr-defined]

    def letter(self, key: str) -> str:
        return get_column_letter([c.key for c in self.columns].index(key) + 1)

    def add(self, values: dict[str, Any]) -> None:
        self.rows += 1
        number = self.rows + 1
        if self.fit_rows:
            self.texts.append([])
        for index, column in enumerate(self.columns):
            value = values.get(column.key)
            if value is None and not column.editable:
                continue  # an empty cell nobody will type in needs no style
            put(self.ws, number, index + 1, value, self.styles[index])
            if self.fit_rows and isinstance(value, str):
                self.texts[-1].append((index, value))
            if isinstance(value, str):
                longest = max(len(line) for line in value.split("\n"))
            elif isinstance(value, datetime):
                longest = 16
            elif isinstance(value, date):
                longest = 10
            else:
                longest = len(str(value)) if value is not None else 0
            if longest + 2 > self.widths[index]:
                self.widths[index] = longest + 2

    def finish(self) -> None:
        ws = self.ws
        last = get_column_letter(len(self.columns))
        ws.freeze_panes = "A2"
        ws.auto_filter.ref = f"A1:{last}{self.rows + 1}"
        widths = []
        for index, column in enumerate(self.columns, start=1):
            width = max(WIDTH_MIN, min(self.widths[index - 1], column.width, WIDTH_MAX))
            ws.column_dimensions[get_column_letter(index)].width = width
            widths.append(width)
        if self.fit_rows:
            heading = list(enumerate(self.headers))
            # Headings are bold: a little wider than their characters.
            lines = max(_lines(text, widths[index] - 2) for index, text in heading)
            if lines > 1:
                ws.row_dimensions[1].height = LINE_HEIGHT * lines
        for row, texts in enumerate(self.texts, start=2):
            lines = max((_lines(text, widths[index]) for index, text in texts), default=1)
            if lines > 1:
                ws.row_dimensions[row].height = LINE_HEIGHT * min(lines, MAX_LINES)
        print_setup(ws)
        ws.print_title_rows = "1:1"


LINE_HEIGHT = 15  # points per line of 11 pt text
MAX_LINES = 40


def _lines(text: str, width: int) -> int:
    """How many lines a text wraps to in a column this many characters wide (roughly: a
    character is about one unit of Excel's column width)."""
    room = max(width - 1, 1)
    return sum(max(1, -(-len(line) // room)) for line in text.split("\n"))


def print_setup(ws: Worksheet) -> None:
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0  # as many pages down as it takes
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.print_options.gridLines = True


def build_workbook(data: Results, exported_at: datetime | None = None) -> Workbook:
    workshop = data.workshop
    lang = workshop.language if workshop.language in ("sv", "en") else "sv"
    wb = Workbook()
    assert wb.active is not None
    wb.remove(wb.active)
    wb.properties.creator = "Kraftsamla"
    wb.properties.title = safe_text(workshop.title)
    wb.properties.language = lang

    _plan_sheet(wb, data, lang)
    actions = _Sheet(wb, translate(lang, SHEET_ACTIONS), ACTION_COLUMNS, lang)
    for action in data.actions:
        item = action.item
        actions.add(
            {
                "id": action.id,
                "area": action.area,
                "text": item.text,
                "priority": item.priority,
                "votes": action.votes,
                "impact": _mean(action.impact),
                "effort": _mean(action.effort),
                "ratings": action.rating.count if action.rating else 0,
                "owner_organization": item.owner_organization,
                "owner_person": item.owner_person,
                "due_date": item.due_date,
                "status": status_label(lang, item.status),
                "causes": note_list(action.causes),
                "situations": note_list(action.situations),
                "shortlisted": translate(lang, _("Yes") if item.shortlisted else _("No")),
            }
        )
    _action_validation(actions, lang)
    actions.finish()

    causes = _Sheet(wb, translate(lang, SHEET_CAUSES), CAUSE_COLUMNS, lang)
    for cause in sorted(data.causes, key=lambda c: (-c.votes, c.id)):
        causes.add(
            {
                "id": cause.id,
                "area": cause.area,
                "text": cause.item.text,
                "votes": cause.votes,
                "situations": note_list(cause.situations),
                "actions": note_list(cause.actions),
                "number": cause.number or None,
            }
        )
    causes.finish()

    situations = _Sheet(wb, translate(lang, SHEET_SITUATIONS), SITUATION_COLUMNS, lang)
    for situation in data.situations:
        situations.add(
            {
                "id": situation.id,
                "area": situation.area,
                "text": situation.item.text,
                "group": situation.item.group_label,
                "causes": note_list(situation.causes),
            }
        )
    situations.finish()

    named = any(org.names for org in data.organizations)
    people = _Sheet(
        wb,
        translate(lang, SHEET_PARTICIPANTS),
        PARTICIPANT_COLUMNS if named else PARTICIPANT_COLUMNS[:-1],
        lang,
    )
    for org in data.organizations:
        people.add(
            {
                "organization": org.organization or translate(lang, _("(no organization given)")),
                "count": org.count,
                "names": ", ".join(org.names) or None,
            }
        )
    people.finish()

    _organization_sheet(wb, data, lang)
    _history_sheet(wb, data, lang)
    _about_sheet(wb, data, lang, exported_at or datetime.now(UTC))
    wb.active = 0
    return wb


def _action_validation(sheet: _Sheet, lang: str) -> None:
    """Drop-down list for status, whole numbers for priority, real dates for the due date."""
    last = max(sheet.rows + 1, 2)
    labels = ",".join(status_label(lang, s) for s in Status)
    status = DataValidation(
        type="list",
        formula1=f'"{labels}"',
        allow_blank=False,
        showErrorMessage=True,
        errorTitle=translate(lang, _("Status")),
        error=translate(lang, _("Pick a status from the list.")),
    )
    status.add(f"{sheet.letter('status')}2:{sheet.letter('status')}{last}")
    # The service's own limits (items.validate_action_fields), which the importer applies.
    priority = DataValidation(
        type="whole",
        operator="between",
        formula1="1",
        formula2=str(items_service.PRIORITY_MAX),
        allow_blank=True,
        showErrorMessage=True,
        error=translate(
            lang,
            _("Priority is a whole number from 1 (first) to %(max)s."),
            max=items_service.PRIORITY_MAX,
        ),
    )
    priority.add(f"{sheet.letter('priority')}2:{sheet.letter('priority')}{last}")
    first_year, last_year = items_service.DUE_YEARS
    due = DataValidation(
        type="date",
        operator="between",
        formula1=str(int(to_excel(date(first_year, 1, 1)))),  # 36526: 2000-01-01
        formula2=str(int(to_excel(date(last_year, 12, 31)))),  # 73050: 2099-12-31
        allow_blank=True,
        showErrorMessage=True,
        error=translate(lang, _("Write the date as YYYY-MM-DD.")),
    )
    due.add(f"{sheet.letter('due_date')}2:{sheet.letter('due_date')}{last}")
    for validation in (status, priority, due):
        sheet.ws.add_data_validation(validation)


def _about_sheet(wb: Workbook, data: Results, lang: str, exported_at: datetime) -> None:
    ws = wb.create_sheet(title=translate(lang, SHEET_ABOUT))
    workshop = data.workshop
    editable = ", ".join(translate(lang, c.header) for c in PLAN_COLUMNS if c.editable)
    how = translate(
        lang,
        _(
            "Change %(columns)s on the sheet “%(sheet)s” (the columns with green headings), keep "
            "the ID column and the sheet names, save as .xlsx and upload the file on the "
            "follow-up page. Rows are matched by ID; nothing else is read back."
        ),
        columns=editable,
        sheet=translate(lang, SHEET_PLAN),
    )
    rows: list[tuple[str, Any]] = [
        (_("Title"), workshop.title),
        (_("Date"), workshop.date),
        (_("Facilitator"), None),  # not recorded in Kraftsamla: a cell to fill in
        (ABOUT_WORKSHOP_ID, workshop.id),
        (_("Language"), translate(lang, _("Swedish") if lang == "sv" else _("English"))),
        (_("Focus areas"), ", ".join(a.name for a in data.focus_areas)),
        (_("Participants"), data.participant_count),
        (_("Exported (UTC)"), exported_at.astimezone(UTC).replace(tzinfo=None, microsecond=0)),
        (_("How to re-import"), how),
    ]
    for number, (label, value) in enumerate(rows, start=1):
        name = put(ws, number, 1, translate(lang, label))
        name.font = Font(bold=True)
        name.alignment = TOP
        cell = put(ws, number, 2, value)
        cell.alignment = Alignment(wrap_text=True, vertical="top", horizontal="left")
        if isinstance(value, datetime):
            cell.number_format = "yyyy-mm-dd hh:mm"
        elif isinstance(value, date):
            cell.number_format = DATE_FORMAT
    ws.column_dimensions["A"].width = max(len(translate(lang, r[0])) for r in rows) + 2
    ws.column_dimensions["B"].width = 80
    print_setup(ws)


def _plan_sheet(wb: Workbook, data: Results, lang: str) -> None:
    """The first sheet: Brå's action plan, one row per action taken forward."""
    plan = _Sheet(wb, translate(lang, SHEET_PLAN), PLAN_COLUMNS, lang, fit_rows=True)
    for action in data.plan:
        item = action.item
        causes = sorted(action.causes, key=lambda c: (c.number, c.id))
        plan.add(
            {
                "cause_numbers": ", ".join(str(c.number) for c in causes) or None,
                "causes": "\n".join(f"{c.number}. {c.item.text}" for c in causes) or None,
                "text": item.text,
                "goal": item.goal,
                "due_date": item.due_date,
                "owner_organization": item.owner_organization,
                "owner_person": item.owner_person,
                "owner_contact": item.owner_contact,
                "follow_up": follow_up_label(lang, item.follow_up, short=True)
                if item.follow_up
                else None,
                "follow_up_note": item.follow_up_note,
                "indicator": item.indicator,
                "status": status_label(lang, item.status),
                "priority": item.priority,
                "area": action.area,
                "rank": action.rank,
                "id": action.id,
            }
        )
    _action_validation(plan, lang)
    _follow_up_validation(plan, lang)
    plan.finish()


# The follow-up cell's fill per colour (light enough for black text, as in Brå's example).
FOLLOW_UP_FILLS = {
    FollowUp.green: "C6EFCE",
    FollowUp.yellow: "FFEB9C",
    FollowUp.red: "FFC7CE",
}


def _follow_up_validation(sheet: _Sheet, lang: str) -> None:
    """A drop-down of the three colours, and the cell coloured by what it says (a conditional
    format, so it follows the drop-down when someone changes it)."""
    last = max(sheet.rows + 1, 2)
    letter = sheet.letter("follow_up")
    cells = f"{letter}2:{letter}{last}"
    labels = [translate(lang, FOLLOW_UP_LABELS[c]) for c in FollowUp]
    colours = DataValidation(
        type="list",
        formula1=f'"{",".join(labels)}"',
        allow_blank=True,
        showErrorMessage=True,
        errorTitle=translate(lang, _("Follow-up")),
        error=translate(lang, _("Pick green, yellow or red from the list.")),
    )
    colours.add(cells)
    sheet.ws.add_data_validation(colours)
    for colour, text in zip(FollowUp, labels, strict=True):
        fill = PatternFill(
            "solid", fgColor=FOLLOW_UP_FILLS[colour], bgColor=FOLLOW_UP_FILLS[colour]
        )
        sheet.ws.conditional_formatting.add(
            cells, CellIsRule(operator="equal", formula=[f'"{text}"'], fill=fill)
        )


def _utc(moment: datetime) -> datetime:
    """A cell's time: UTC without a zone (Excel keeps none), to the second."""
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return aware.astimezone(UTC).replace(tzinfo=None, microsecond=0)


BY_ORGANIZATION_COLUMNS = [
    SheetColumn("kind", _("Kind"), 10),
    SheetColumn("number", _("No."), 6),
    SheetColumn("text", _("Note"), 60),
    SheetColumn("group", _("Organization"), 24),
    SheetColumn("count", _("Participants"), 12),
    SheetColumn("votes", _("Dots"), 8),
    SheetColumn("ratings", _("Ratings"), 10),
    SheetColumn("impact", _("Impact (mean)"), 12),
    SheetColumn("effort", _("Effort (mean)"), 12),
]
KIND_LABELS = {Kind.cause: _("Cause"), Kind.action: _("Action")}


def _organization_sheet(wb: Workbook, data: Results, lang: str) -> None:
    """Each cause and action per organization, by breakdown.py's rule: no group under k."""
    sheet = _Sheet(wb, translate(lang, SHEET_BY_ORGANIZATION), BY_ORGANIZATION_COLUMNS, lang)
    for found in data.breakdowns:
        numbers = {a.id: a.rank for a in data.actions}
        for row in found.rows:
            for group in found.groups:
                cell = row.cells.get(group.name, breakdown.Cell())
                sheet.add(
                    {
                        "kind": translate(lang, KIND_LABELS[Kind(found.kind)]),
                        "number": numbers.get(row.id)
                        if found.kind == Kind.action
                        else row.item.number,
                        "text": row.item.text,
                        "group": group.name,
                        "count": group.participants,
                        "votes": cell.dots,
                        "ratings": cell.ratings if found.kind == Kind.action else None,
                        "impact": _mean(cell.impact),
                        "effort": _mean(cell.effort),
                    }
                )
    sheet.finish()


def _history_sheet(wb: Workbook, data: Results, lang: str) -> None:
    """Every change to each action, oldest first: when, what, from → to, who and through what."""
    sheet = _Sheet(wb, translate(lang, SHEET_HISTORY), HISTORY_COLUMNS, lang, fit_rows=True)
    lines = sorted(
        ((line, action) for action in data.actions for line in action.history),
        key=lambda pair: pair[0].at,
    )
    for line, action in lines:
        sheet.add(
            {
                "at": _utc(line.at),
                "rank": action.rank,
                "id": action.id,
                "text": action.item.text,
                "what": label_of(lang, AUDIT_ACTIONS, line.action),
                "field": label_of(lang, FIELD_LABELS, line.field) if line.field else None,
                "before": value_label(lang, line.field, line.before),
                "after": value_label(lang, line.field, line.after),
                "who": label_of(lang, ROLE_LABELS, line.role),
                "via": label_of(lang, VIA_LABELS, line.via) if line.via else None,
            }
        )
    sheet.finish()


def workbook_bytes(wb: Workbook) -> bytes:
    buffer = BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def export_xlsx(session: Session, principal: Principal, workshop_id: int) -> bytes:
    """The action workbook, for the facilitator and the follow-up owners."""
    return workbook_bytes(build_workbook(results(session, principal, workshop_id)))


def file_name(workshop: Workshop, extension: str) -> str:
    """kraftsamla-12-tryggare-varnamo.xlsx: ASCII, so every browser and mail client keeps it."""
    ascii_title = (
        unicodedata.normalize("NFKD", workshop.title).encode("ascii", "ignore").decode("ascii")
    )
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")[:40].strip("-")
    return f"kraftsamla-{workshop.id}{'-' + slug if slug else ''}.{extension}"
