"""Every user-facing string has Swedish; English is the message id itself."""

from babel.messages.extract import extract_from_dir

from app.config import ROOT
from app.i18n import catalog, pick_language

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
