"""IANA time zone names, as EventBridge Scheduler's ``ScheduleExpressionTimezone`` takes them."""

from __future__ import annotations

import difflib
import zoneinfo
from functools import cache, lru_cache

from ecs_scheduler.expressions.errors import ExpressionError

# Files that sit in a zoneinfo directory without being zone names AWS knows.
_NOT_ZONE_NAMES = frozenset({"localtime", "posixrules", "Factory", "leapseconds", "tzdata.zi"})
_NOT_ZONE_PREFIXES = ("posix/", "right/")


@cache
def _known_zone_names() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones()) - _NOT_ZONE_NAMES


def _suggestion(name: str) -> str:
    known = _known_zone_names()
    by_folded_case = {zone.casefold(): zone for zone in known}
    exact_but_case = by_folded_case.get(name.casefold())
    if exact_but_case is not None:
        return f" (did you mean '{exact_but_case}'? names are case-sensitive)"
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    if not close:
        # Users often type only the city ("New_York", "Kolkata").
        close = [zone for zone in sorted(known) if zone.rsplit("/", 1)[-1] == name][:1]
    return f" (did you mean '{close[0]}'?)" if close else ""


@lru_cache(maxsize=512)
def load_timezone(name: str) -> zoneinfo.ZoneInfo:
    """The zone for an IANA name such as ``America/New_York``; ``ExpressionError`` otherwise."""
    problem = f"'{name}' is not an IANA time zone name"
    if name in _NOT_ZONE_NAMES or name.startswith(_NOT_ZONE_PREFIXES) or not name.strip():
        raise ExpressionError(problem + _suggestion(name))
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        raise ExpressionError(problem + _suggestion(name)) from None
