"""``validation.validate``: the report ``validate`` renders; a bad file is a result, not raised."""

from __future__ import annotations

from pathlib import Path

from ecs_scheduler.loader import ConfigError
from ecs_scheduler.validation import validate
from tests.conftest import EXAMPLES_DIR


def test_a_valid_file_reports_its_counts() -> None:
    report = validate(EXAMPLES_DIR / "multi-schedule.yaml")

    assert report.valid
    assert (report.stack, report.jobs, report.schedules) == ("orders-sync", ("sync-orders",), 3)
    assert report.to_json() == {
        "valid": True,
        "errors": [],
        "warnings": [],
        "stack": "orders-sync",
        "jobs": ["sync-orders"],
        "schedules": 3,
        "resources": report.resources,
    }
    assert report.resources > 3


def test_an_invalid_file_reports_every_error_at_its_line(tmp_path: Path) -> None:
    path = tmp_path / "stack.yaml"
    text = (EXAMPLES_DIR / "daily-report.yaml").read_text(encoding="utf-8")
    path.write_text(
        text.replace("cron(0 6 * * ? *)", "cron(0 25 * * ? *)").replace(
            "America/New_York", "America/Nowhere"
        ),
        encoding="utf-8",
    )

    report = validate(path)

    assert not report.valid
    assert isinstance(report.failure, ConfigError)
    assert len(report.errors) == 2
    document = report.to_json()
    assert set(document) == {"valid", "errors", "warnings"}
    assert {error["path"] for error in document["errors"]} == {
        "jobs.daily-report.schedule_expression",
        "jobs.daily-report.timezone",
    }
    assert all(error["line"] and error["file"] == str(path) for error in document["errors"])
