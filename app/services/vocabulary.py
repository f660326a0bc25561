"""The product's vocabulary, in one place: which kind of note each stage collects, what each
kind links to, which kinds get dots, and which fields of a note who may change. The services, the
pages and the workbook all read it from here; how actions are ordered and numbered is
app/services/ranking.py's."""

from app.models import Kind, Stage

# The kind of note participants write in each stage (the other stages collect none).
STAGE_KIND = {Stage.situation: Kind.situation, Stage.causes: Kind.cause, Stage.actions: Kind.action}
# The chain "what we saw → why → what we do": a cause links to situation notes, an action to
# causes; links point only to the kind before, in the same workshop.
LINKS_TO = {Kind.cause: Kind.situation, Kind.action: Kind.cause}
# The kinds the room puts dots on.
VOTED_KINDS = (Kind.cause, Kind.action)

# What an author may change on their own note (while its stage is open and it has no dots).
AUTHOR_FIELDS = frozenset({"text", "links"})
# An action's plan: owners, dates, status, priority, the shortlist, Brå's goal, indicator and
# follow-up colour (only actions have these).
ACTION_FIELDS = frozenset(
    {
        "owner_organization",
        "owner_person",
        "due_date",
        "status",
        "priority",
        "shortlisted",
        "goal",
        "indicator",
        "follow_up",
        "follow_up_note",
        "owner_contact",
    }
)
# What the follow-up link may change on an action (the facilitator may change everything).
FOLLOWUP_FIELDS = frozenset({"status", "follow_up", "follow_up_note"})
