"""Jinja2 with autoescaping, the sv/en catalog, and jinja2-fragments so that a page and the
fragment HTMX swaps in (or SSE pushes) come from one template block."""

import hashlib
from datetime import date, datetime
from functools import cache
from typing import Any

from babel.dates import format_date, format_time
from jinja2 import Environment, FileSystemLoader, pass_context
from jinja2.runtime import Context
from jinja2_fragments import render_block as fragments_render_block
from jinja2_fragments.fastapi import Jinja2Blocks

from app.config import ROOT
from app.i18n import decimal, translate
from app.i18n.labels import (
    AUDIT_ACTIONS,
    FIELD_LABELS,
    REVIEW_LABELS,
    ROLE_LABELS,
    VIA_LABELS,
    VOTING_LABELS,
    follow_up_label,
    label_of,
    status_label,
    value_label,
)
from app.services.workshops import format_code, owner_suggestions

env = Environment(
    loader=FileSystemLoader(ROOT / "templates"),
    autoescape=True,  # user text is never marked safe
    extensions=["jinja2.ext.i18n"],
    trim_blocks=True,
    lstrip_blocks=True,
)
templates = Jinja2Blocks(env=env)


@pass_context
def _gettext(ctx: Context, message: str, **params: Any) -> str:
    return translate(ctx.get("lang", "sv"), message, **params)


@pass_context
def _ngettext(ctx: Context, singular: str, plural: str, n: int, **params: Any) -> str:
    # Jinja's newstyle wrapper fills in the placeholders (with `num` set to n) afterwards.
    return translate(ctx.get("lang", "sv"), singular if n == 1 else plural, **params)


env.install_gettext_callables(_gettext, _ngettext, newstyle=True)  # type: ignore[attr-defined]


@cache
def _static_version(path: str) -> str:
    try:
        return hashlib.sha256((ROOT / "static" / path).read_bytes()).hexdigest()[:10]
    except OSError:
        return "0"


def static_url(path: str) -> str:
    # The version in the query lets static files be cached for a year and still update.
    return f"/static/{path}?v={_static_version(path)}"


@pass_context
def _date(ctx: Context, value: date | datetime | None, fmt: str = "medium") -> str:
    if value is None:
        return ""
    return format_date(value, format=fmt, locale=ctx.get("lang", "sv"))


@pass_context
def _time(ctx: Context, value: datetime | None) -> str:
    if value is None:
        return ""
    return format_time(value, format="short", locale=ctx.get("lang", "sv"))


@pass_context
def _decimal(ctx: Context, value: float | None, lang: str | None = None, places: int = 1) -> str:
    """`{{ mean | decimal }}`: "4,7" in a Swedish workshop, "4.7" in an English one."""
    return decimal(value, lang or ctx.get("lang", "sv"), places)


@pass_context
def _status_label(ctx: Context, status: str) -> str:
    return status_label(ctx.get("lang", "sv"), status)


@pass_context
def _follow_up(ctx: Context, colour: str | None, short: bool = False) -> str:
    """ "Grön – går enligt plan" (or "Grön"), "Inte bedömd" for none."""
    return follow_up_label(ctx.get("lang", "sv"), colour, short)


LABELS = {
    "field": FIELD_LABELS,
    "role": ROLE_LABELS,
    "via": VIA_LABELS,
    "action": AUDIT_ACTIONS,
    "review": REVIEW_LABELS,
    "voting": VOTING_LABELS,
}


@pass_context
def _label(ctx: Context, key: str | None, kind: str) -> str:
    """A stored key as people read it: `line.role | label("role")`."""
    return label_of(ctx.get("lang", "sv"), LABELS[kind], key)


@pass_context
def _value(ctx: Context, value: str | None, field: str | None) -> str:
    """A value in a history line: `line.after | history_value(line.field)`."""
    return value_label(ctx.get("lang", "sv"), field, value)


@pass_context
def _owners(ctx: Context) -> list[str]:
    """Suggested owners of an action (a datalist's options): the workshop's organizations."""
    return owner_suggestions(ctx["v"].workshop)


env.globals["static_url"] = static_url
env.globals["owner_suggestions"] = _owners
env.filters["follow_up"] = _follow_up
env.filters["label"] = _label
env.filters["history_value"] = _value
env.filters["status_label"] = _status_label
env.filters["date"] = _date
env.filters["decimal"] = _decimal
env.filters["time"] = _time
env.filters["code"] = format_code


def render_block(template: str, block: str, **context: Any) -> str:
    """One block of a page, as the bytes every screen showing it receives."""
    return fragments_render_block(env, template, block, **context)
