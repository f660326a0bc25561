"""The sv/en catalog. Message ids are English; Swedish lives in app/i18n/sv/*.po (one file per
part of the product, merged at start). Babel reads the .po files directly, so there is no compile
step to forget."""

from functools import cache
from pathlib import Path
from typing import Any

from babel.core import negotiate_locale
from babel.messages.pofile import read_po
from babel.numbers import format_decimal

LANGUAGES = ("sv", "en")
DEFAULT_LANGUAGE = "sv"
CATALOG_DIR = Path(__file__).parent


@cache
def catalog(language: str) -> dict[str, str]:
    messages: dict[str, str] = {}
    for path in sorted((CATALOG_DIR / language).glob("*.po")):
        with path.open("rb") as handle:
            for message in read_po(handle, locale=language):
                if message.id and message.string and not message.fuzzy:
                    messages[str(message.id)] = str(message.string)
    return messages


def translate(language: str, message: str, **params: Any) -> str:
    text = catalog(language).get(message, message) if language != "en" else message
    return text % params if params else text


def decimal(value: float | None, language: str, places: int = 1) -> str:
    """A number with decimals as the workshop's language writes it: "4,7" in Swedish, "4.7" in
    English (and "1 234,5" / "1,234.5"); a dash when there is none. For text people read only:
    SVG coordinates and CSS keep the dot."""
    if value is None:
        return "–"
    pattern = "#,##0." + "0" * places if places > 0 else "#,##0"
    return format_decimal(value, format=pattern, locale=language if language in LANGUAGES else "sv")


def pick_language(accept_language: str | None, choice: str | None = None) -> str:
    """An explicit choice (cookie or ?lang=) first, then the browser's Accept-Language."""
    if choice in LANGUAGES:
        return choice
    if accept_language:
        wanted = []
        for part in accept_language.split(","):
            tag, _, q = part.strip().partition(";q=")
            try:
                weight = float(q) if q else 1.0
            except ValueError:
                weight = 0.0
            if tag:
                wanted.append((weight, tag.strip().replace("-", "_")))
        wanted.sort(key=lambda pair: -pair[0])
        negotiated = negotiate_locale([tag for _, tag in wanted], list(LANGUAGES), sep="_")
        if negotiated:
            return negotiated
    return DEFAULT_LANGUAGE
