"""validate warns where a schedule's time zone is ``EST``, which keeps UTC-5 all year."""

from __future__ import annotations

import yaml

from ecs_scheduler.loader import loads
from tests.conftest import EXAMPLES_DIR


def _with_timezone(timezone: str) -> str:
    document = yaml.safe_load((EXAMPLES_DIR / "daily-report.yaml").read_text(encoding="utf-8"))
    [job] = document["jobs"].values()
    job["timezone"] = timezone
    return yaml.safe_dump(document, sort_keys=False)


def test_validate_warns_at_the_timezone_field_and_still_accepts_the_file() -> None:
    result = loads(_with_timezone("EST"), "stack.yaml")

    [warning] = result.warnings
    assert warning.path == "jobs.daily-report.timezone"
    assert "no daylight saving time" in warning.message


def test_validate_says_nothing_about_a_real_zone() -> None:
    assert loads(_with_timezone("America/New_York"), "stack.yaml").warnings == ()
