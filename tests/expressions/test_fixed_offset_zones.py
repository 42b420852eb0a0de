"""Legacy tz database names that are also abbreviations: ``EST`` is not New York's time."""

from __future__ import annotations

import zoneinfo

import pytest

from ecs_scheduler.expressions import fixed_offset_warning


def test_est_is_named_as_a_fixed_offset_and_new_york_is_suggested() -> None:
    warning = fixed_offset_warning("EST", 2026)

    assert warning is not None
    assert "UTC-05:00 all year" in warning
    assert "'America/New_York'" in warning


@pytest.mark.parametrize(
    "name",
    [
        "MST",  # also Arizona's time all year (America/Phoenix)
        "HST",  # Honolulu has no daylight saving time either
        "GMT",  # also UTC
        "CET",  # follows the EU's clock changes, as Paris and Berlin do
        "America/New_York",
        "UTC",
    ],
)
def test_names_meaning_what_they_say_have_no_warning(name: str) -> None:
    assert fixed_offset_warning(name, 2026) is None


def test_only_est_is_warned_about_among_all_zone_names() -> None:
    warned = {name for name in zoneinfo.available_timezones() if fixed_offset_warning(name, 2026)}

    assert warned == {"EST"}
