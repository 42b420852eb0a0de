"""Durations on the command line: ``90s``, ``30m``, ``24h``, ``7d``, or combined (``1h30m``)."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Final

from ecs_scheduler.operations.results import OperationError

_PART: Final = re.compile(r"(\d+)([smhd])")
_UNIT_SECONDS: Final = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_duration(text: str, *, option: str) -> timedelta:
    """``text`` as a positive duration; ``option`` names the flag in the error."""
    compact = text.strip().lower()
    if compact.isdigit():
        compact += "s"
    parts = _PART.findall(compact)
    if not parts or "".join(number + unit for number, unit in parts) != compact:
        raise OperationError(
            f"{option} {text!r} is not a duration: use e.g. 90s, 30m, 24h, 7d or 1h30m."
        )
    seconds = sum(int(number) * _UNIT_SECONDS[unit] for number, unit in parts)
    if seconds <= 0:
        raise OperationError(f"{option} {text!r} must be longer than zero.")
    return timedelta(seconds=seconds)
