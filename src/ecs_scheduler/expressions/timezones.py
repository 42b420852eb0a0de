"""IANA time zone names, as EventBridge Scheduler's ``ScheduleExpressionTimezone`` takes them."""

from __future__ import annotations

import difflib
import zoneinfo
from datetime import datetime
from functools import cache, lru_cache

from ecs_scheduler.expressions.errors import ExpressionError

# Files that sit in a zoneinfo directory without being zone names AWS knows.
_NOT_ZONE_NAMES = frozenset({"localtime", "posixrules", "Factory", "leapseconds", "tzdata.zi"})
_NOT_ZONE_PREFIXES = ("posix/", "right/")

# Abbreviations people write for a zone, with the IANA zone they most likely mean (several
# when the abbreviation is shared: IST is India, Ireland and Israel). An abbreviation names
# a half of the year (PST is winter, PDT summer); the IANA zone covers both halves, which is
# what a schedule wants. Some abbreviations are also legacy tz database names (EST, MST,
# HST, CET, EET, WET, MET): those load as they are, with a fixed offset or rules of their
# own; the map serves the suggestion when a name does not load (``pst``, ``Est``), and
# fixed_offset_warning when one of those legacy names does.
_ABBREVIATIONS: dict[str, tuple[str, ...]] = {
    "PST": ("America/Los_Angeles",),
    "PDT": ("America/Los_Angeles",),
    "PT": ("America/Los_Angeles",),
    "MST": ("America/Denver", "America/Phoenix"),
    "MDT": ("America/Denver",),
    "MT": ("America/Denver",),
    "CST": ("America/Chicago", "Asia/Shanghai"),
    "CDT": ("America/Chicago",),
    "CT": ("America/Chicago",),
    "EST": ("America/New_York",),
    "EDT": ("America/New_York",),
    "ET": ("America/New_York",),
    "AKST": ("America/Anchorage",),
    "AKDT": ("America/Anchorage",),
    "HST": ("Pacific/Honolulu",),
    "AST": ("America/Halifax",),
    "ADT": ("America/Halifax",),
    "NST": ("America/St_Johns",),
    "NDT": ("America/St_Johns",),
    "BRT": ("America/Sao_Paulo",),
    "ART": ("America/Argentina/Buenos_Aires",),
    "GMT": ("Europe/London", "UTC"),
    "BST": ("Europe/London",),
    "IST": ("Asia/Kolkata", "Europe/Dublin", "Asia/Jerusalem"),
    "WET": ("Europe/Lisbon",),
    "WEST": ("Europe/Lisbon",),
    "CET": ("Europe/Paris", "Europe/Berlin"),
    "CEST": ("Europe/Paris", "Europe/Berlin"),
    "EET": ("Europe/Athens", "Europe/Helsinki"),
    "EEST": ("Europe/Athens", "Europe/Helsinki"),
    "MSK": ("Europe/Moscow",),
    "SAST": ("Africa/Johannesburg",),
    "PKT": ("Asia/Karachi",),
    "ICT": ("Asia/Bangkok",),
    "WIB": ("Asia/Jakarta",),
    "SGT": ("Asia/Singapore",),
    "HKT": ("Asia/Hong_Kong",),
    "JST": ("Asia/Tokyo",),
    "KST": ("Asia/Seoul",),
    "AWST": ("Australia/Perth",),
    "ACST": ("Australia/Adelaide",),
    "ACDT": ("Australia/Adelaide",),
    "AEST": ("Australia/Sydney", "Australia/Brisbane"),
    "AEDT": ("Australia/Sydney",),
    "NZST": ("Pacific/Auckland",),
    "NZDT": ("Pacific/Auckland",),
}


@cache
def _known_zone_names() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones()) - _NOT_ZONE_NAMES


def _one_of(zones: tuple[str, ...]) -> str:
    quoted = [f"'{zone}'" for zone in zones]
    return quoted[0] if len(quoted) == 1 else f"{', '.join(quoted[:-1])} or {quoted[-1]}"


def _suggestion(name: str) -> str:
    meant = _ABBREVIATIONS.get(name.strip().upper())
    if meant is not None:
        return f" (did you mean {_one_of(meant)}? a zone abbreviation is not a zone name)"
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
    if name not in _NOT_ZONE_NAMES and not name.startswith(_NOT_ZONE_PREFIXES) and name.strip():
        try:
            return zoneinfo.ZoneInfo(name)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
            pass  # reported below, with a suggestion
    raise ExpressionError(f"'{name}' is not an IANA time zone name" + _suggestion(name))


def _observes_daylight_saving_time(zone: zoneinfo.ZoneInfo, year: int) -> bool:
    return (
        datetime(year, 1, 1, tzinfo=zone).utcoffset()
        != datetime(year, 7, 1, tzinfo=zone).utcoffset()
    )


def fixed_offset_warning(name: str, year: int) -> str | None:
    """Why a legacy tz database name that is also an abbreviation (``EST``) is likely not what
    its writer meant: it keeps one offset all year, while every zone people mean by the
    abbreviation changes its clocks in ``year``. ``None`` when there is nothing to say (``MST``
    is also Arizona's time, ``GMT`` also UTC)."""
    meant = _ABBREVIATIONS.get(name)
    if meant is None:
        return None
    zone = load_timezone(name)
    if _observes_daylight_saving_time(zone, year) or not all(
        _observes_daylight_saving_time(load_timezone(m), year) for m in meant
    ):
        return None
    offset = datetime(year, 1, 1, tzinfo=zone).strftime("%z")
    return (
        f"'{name}' stays UTC{offset[:3]}:{offset[3:]} all year, with no daylight saving time; "
        f"for local time that changes its clocks use {_one_of(meant)}"
    )
