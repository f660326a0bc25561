"""The stage timer: start, pause, add a minute, reset. The server holds the clock; screens count
down from what they are sent."""

from datetime import timedelta

from app.models import Workshop, utcnow
from app.services.auth import Principal, Role, require
from app.services.errors import Invalid
from app.services.uow import Change

MAX_SECONDS = 4 * 60 * 60


def seconds_left(workshop: Workshop) -> int:
    if workshop.timer_ends_at is None:
        return workshop.timer_remaining_s
    ends_at = workshop.timer_ends_at
    return max(0, int((ends_at - utcnow()).total_seconds() + 0.999))


def is_running(workshop: Workshop) -> bool:
    return workshop.timer_ends_at is not None and seconds_left(workshop) > 0


def control(
    change: Change, principal: Principal, workshop_id: int, action: str, minutes: int = 0
) -> Workshop:
    """action: start, pause, add (a minute), set (minutes, paused), reset."""
    require(principal, workshop_id, Role.facilitator)
    if action not in ("start", "pause", "add", "set", "reset"):
        raise Invalid("Unknown timer action.", field="action")
    if action == "set" and not 1 <= minutes <= MAX_SECONDS // 60:
        raise Invalid("Give the time in whole minutes (1–240).", field="minutes")
    workshop = change.lock(workshop_id)
    left = seconds_left(workshop)
    if action == "start" and left > 0:
        workshop.timer_ends_at = utcnow() + timedelta(seconds=left)
    elif action == "pause":
        workshop.timer_ends_at = None
        workshop.timer_remaining_s = left
    elif action == "add":
        if is_running(workshop):
            assert workshop.timer_ends_at is not None
            workshop.timer_ends_at = workshop.timer_ends_at + timedelta(seconds=60)
        else:
            workshop.timer_ends_at = None
            workshop.timer_remaining_s = min(left + 60, MAX_SECONDS)
    elif action == "set":
        workshop.timer_ends_at = None
        workshop.timer_remaining_s = minutes * 60
    elif action == "reset":
        workshop.timer_ends_at = None
        workshop.timer_remaining_s = 0
    change.session.add(workshop)
    change.log("timer", action=action)
    return workshop
