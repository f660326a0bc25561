"""Every user-facing string has Swedish; English is the message id itself."""

import re

import pytest
from babel.messages.extract import extract_from_dir

from app.config import ROOT
from app.i18n import LANGUAGES, catalog, decimal, pick_language, translate
from app.i18n.labels import STAGE_LABELS, VOTING_LABELS
from app.web.templating import env

METHOD_MAP = [("app/**.py", "python"), ("templates/**.html", "jinja2")]


def extracted() -> set[str]:
    ids: set[str] = set()
    for _, _, message, _, _ in extract_from_dir(
        str(ROOT),
        METHOD_MAP,
        options_map={"templates/**.html": {"extensions": "jinja2.ext.i18n"}},
        keywords={
            "_": None,
            "gettext": None,
            "ngettext": (1, 2),
            "Invalid": None,
            "NotFound": None,
            "Forbidden": None,
            "Unauthorized": None,
            "NotAllowedNow": None,
            "BudgetSpent": None,
            "TooManyAttempts": None,
            "TooLarge": None,
            "Stale": None,
            "Busy": None,
            "error_page": (3,),
        },
    ):
        for msg in message if isinstance(message, tuple) else (message,):
            if msg:
                ids.add(msg)
    return ids


def test_every_message_has_a_swedish_translation() -> None:
    sv = catalog("sv")
    ids = extracted()
    assert len(ids) > 50  # extraction really found the app's strings
    missing = sorted(i for i in ids if i not in sv)
    assert missing == [], f"{len(missing)} strings lack Swedish: {missing[:20]}"


def test_language_comes_from_choice_then_browser_then_swedish() -> None:
    assert pick_language("en-US,en;q=0.9") == "en"
    assert pick_language("sv-SE,en;q=0.5") == "sv"
    assert pick_language("de-DE") == "sv"
    assert pick_language("en", "sv") == "sv"
    assert pick_language(None) == "sv"


# --- The Swedish itself ---------------------------------------------------------------------

PLACEHOLDER = re.compile(r"%\((\w+)\)s")
# A dot is a "prick"; "röst", "röster", "rösterna", "röstat" … are not. The activity may be
# "röstning"/"prickröstning" ("röstningen", "röstningar").
DOT_AS_VOTE = re.compile(r"röst(?!ning)", re.IGNORECASE)
DOUBLED_WORD = re.compile(r"\b(\w+)\s+\1\b", re.IGNORECASE)


def swedish() -> list[tuple[str, str]]:
    return sorted(catalog("sv").items())


def test_no_swedish_string_says_a_word_twice_in_a_row() -> None:
    doubled = [(i, s) for i, s in swedish() if DOUBLED_WORD.search(s)]
    assert doubled == []
    assert DOUBLED_WORD.search("Deltagarna går med med koden")  # the check can fail


def test_a_dot_is_a_prick_never_a_rost() -> None:
    votes = [(i, s) for i, s in swedish() if DOT_AS_VOTE.search(s)]
    assert votes == []
    assert DOT_AS_VOTE.search("1 röst") and DOT_AS_VOTE.search("Röster")
    assert not DOT_AS_VOTE.search("Röstningen är öppen")


def test_every_swedish_string_keeps_its_placeholders() -> None:
    broken = [
        (i, s)
        for i, s in swedish()
        if sorted(PLACEHOLDER.findall(i)) != sorted(PLACEHOLDER.findall(s))
    ]
    assert broken == []


def test_a_voting_state_is_never_called_by_a_stage_name() -> None:
    """A round not opened yet is "Stängd", not "Avslutad" (the name of the last stage)."""
    for lang in LANGUAGES:
        stages = {translate(lang, m).casefold() for m in STAGE_LABELS.values()}
        states = {translate(lang, m).casefold() for m in VOTING_LABELS.values()}
        assert stages.isdisjoint(states), lang
    assert translate("sv", VOTING_LABELS["closed"]) == "Stängd"


# --- Numbers ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "value", "shown"),
    [
        ("sv", 4.66, "4,7"),
        ("en", 4.66, "4.7"),
        ("sv", 3, "3,0"),
        ("en", 1234.5, "1,234.5"),
        ("sv", 1234.5, "1\xa0234,5"),
        ("sv", None, "–"),
        ("en", None, "–"),
    ],
)
def test_decimals_are_written_the_way_the_workshop_language_writes_them(
    lang: str, value: float | None, shown: str
) -> None:
    assert env.from_string("{{ value | decimal }}").render(value=value, lang=lang) == shown
    assert decimal(value, lang) == shown


def test_templates_format_decimals_only_through_the_filter() -> None:
    """ "%.1f" builds SVG coordinates in the matrix; numbers people read go through `decimal`."""
    offenders = []
    for path in sorted((ROOT / "templates").rglob("*.html")):
        text = path.read_text(encoding="utf-8")
        if 'replace(".", ",")' in text or ('"%.1f"' in text and path.name != "_matrix.html"):
            offenders.append(path.name)
    assert offenders == []
