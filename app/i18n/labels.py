"""Labels of stored values that people read: one place for the pages, the workbook and the
re-import (which maps a typed label back)."""

from app.i18n import translate
from app.models import FollowUp, Review, Status


def _(message: str) -> str:
    """Marks a message id for extraction; translated where it is shown."""
    return message


STATUS_LABELS: dict[str, str] = {
    Status.proposed: _("Proposed"),
    Status.planned: _("Planned"),
    Status.in_progress: _("In progress"),
    Status.done: _("Done"),
    Status.dropped: _("Dropped"),
}


def status_label(lang: str, status: str) -> str:
    return translate(lang, STATUS_LABELS.get(status, status))


# The colour of an action's latest follow-up: short in the workbook's drop-down, with its meaning
# on the pages (never a colour alone).
FOLLOW_UP_LABELS: dict[str, str] = {
    FollowUp.green: _("Green"),
    FollowUp.yellow: _("Yellow"),
    FollowUp.red: _("Red"),
}
FOLLOW_UP_MEANINGS: dict[str, str] = {
    FollowUp.green: _("Green – on track"),
    FollowUp.yellow: _("Yellow – at risk"),
    FollowUp.red: _("Red – stalled or late"),
}
NOT_ASSESSED = _("Not assessed")

# What the room decided about a carried action in a follow-up workshop's review.
REVIEW_LABELS: dict[str, str] = {
    Review.done: _("Done"),
    Review.continue_: _("Continues"),
    Review.drop: _("Dropped"),
}

# Who made a change (a role, never a name), and through what.
ROLE_LABELS: dict[str, str] = {
    "facilitator": _("Facilitator"),
    "followup": _("Follow-up link"),
    "participant": _("Participant"),
    "board": _("Board"),
    "system": _("System"),
}
VIA_LABELS: dict[str, str] = {"page": _("page"), "api": _("API"), "import": _("Excel import")}

# Fields and events in a history or the audit.
FIELD_LABELS: dict[str, str] = {
    "text": _("Text"),
    "hidden": _("Hidden"),
    "links": _("Links"),
    "focus_area_id": _("Focus area"),
    "group_label": _("Group label"),
    "owner_organization": _("Owner organization"),
    "owner_person": _("Owner"),
    "owner_contact": _("Contact details"),
    "due_date": _("Due date"),
    "status": _("Status"),
    "priority": _("Priority"),
    "shortlisted": _("Taken forward"),
    "goal": _("Operational goal"),
    "indicator": _("Indicator"),
    "follow_up": _("Progress"),
    "follow_up_note": _("Follow-up note"),
    "review": _("Decision since last time"),
    "carried_from": _("From the previous workshop"),
    "merged_into": _("Merged into"),
    "held": _("Held for review"),
    "notes": _("Notes"),
    "erase_notes_after_days": _("Erase notes after (days)"),
    "stage": _("Stage"),
    "cause": _("Voting on causes"),
    "action": _("Voting on actions"),
    "top": _("Number to take forward"),
    "per_area": _("Number to take forward in each focus area"),
    # form fields a page's error names
    "title": _("Title"),
    "join_code": _("Join code"),
    "display_name": _("Your name (optional)"),
    "organization": _("Organization (optional)"),
    "minutes": _("Minutes"),
    "days": _("Erase notes after (days)"),
    "impact": _("Impact"),
    "effort": _("Effort"),
    "kind": _("Kind of note"),
    "into": _("Merge into"),
    "version": _("Version"),
}
AUDIT_ACTIONS: dict[str, str] = {
    "edit": _("Changed"),
    "hide": _("Hidden"),
    "show": _("Shown again"),
    "merge": _("Merged"),
    "delete": _("Deleted"),
    "stage": _("Stage"),
    "voting": _("Voting"),
    "shortlist": _("Shortlisting"),
    "export": _("Exported"),
    "import": _("Imported"),
    "review": _("Reviewed"),
    "carry": _("Carried from the previous workshop"),
    "release": _("Released after review"),
    "hold": _("Held for review"),
    "erase": _("Notes erased on request"),
    "purge": _("Notes erased (retention)"),
    "retention": _("Retention changed"),
}
# A voting round's state. Never a stage's name: "Closed" is the last stage (Avslutad), and a round
# that has not been opened yet is not over.
VOTING_LABELS: dict[str, str] = {
    "closed": _("Not open"),
    "open": _("Open"),
    "revealed": _("Revealed"),
}
STAGE_LABELS: dict[str, str] = {
    "lobby": _("Lobby"),
    "review": _("Since last time"),
    "situation": _("Situation picture"),
    "causes": _("Causes"),
    "actions": _("Actions"),
    "prioritize": _("Prioritize"),
    "closed": _("Closed"),
}


def follow_up_label(lang: str, colour: str | None, short: bool = False) -> str:
    if not colour:
        return translate(lang, NOT_ASSESSED)
    labels = FOLLOW_UP_LABELS if short else FOLLOW_UP_MEANINGS
    return translate(lang, labels.get(colour, colour))


def label_of(lang: str, labels: dict[str, str], key: str | None) -> str:
    return translate(lang, labels[key]) if key in labels else (key or "")


def value_label(lang: str, field: str | None, value: str | None) -> str:
    """A stored value in a history line as people read it: "Pågår", "Grön", "Ja"."""
    if value is None or value == "":
        return "–"
    if field == "status":
        return status_label(lang, value)
    if field == "follow_up":
        return follow_up_label(lang, value, short=True)
    if field == "review":
        return label_of(lang, REVIEW_LABELS, value)
    if field == "stage":
        return label_of(lang, STAGE_LABELS, value)
    if field in ("cause", "action"):
        return label_of(lang, VOTING_LABELS, value)
    if field in ("hidden", "shortlisted", "per_area") and value in ("true", "false"):
        return translate(lang, _("Yes") if value == "true" else _("No"))
    return value
