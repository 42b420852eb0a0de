"""The offline commands through the real entry point: exit codes, output shapes, bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli.runner import run_cli
from tests.conftest import EXAMPLES_DIR

EXAMPLES = sorted(EXAMPLES_DIR.glob("*.yaml"))


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_every_example_validates(example: Path) -> None:
    result = run_cli("validate", "-c", str(example))
    assert result.returncode == 0, result.stderr
    assert "is valid" in result.stdout


def test_validate_json_reports_counts() -> None:
    result = run_cli("validate", "-c", str(EXAMPLES_DIR / "multi-schedule.yaml"), "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["valid"] is True
    assert report["jobs"] == ["sync-orders"]
    assert report["schedules"] == 3


def test_validate_does_not_import_boto3() -> None:
    probe = (
        "import sys\n"
        "from ecs_scheduler.cli import main\n"
        "try:\n"
        f"    main(['validate', '-c', {str(EXAMPLES_DIR / 'daily-report.yaml')!r}])\n"
        "except SystemExit as done:\n"
        "    assert done.code == 0, done.code\n"
        "roots = {'boto3', 'botocore', 'moto'}\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] in roots)\n"
        "print(loaded)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "[]"


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "empty"),
        (b"\x00\x01\x02\xff\xfe binary", "ecs-scheduler.yaml"),
        (b"stack: [unclosed\n", "ecs-scheduler.yaml:"),
        (b"- just\n- a list\n", "ecs-scheduler.yaml:1:1"),
        (b"stack: demo\njobs: {}\n", "jobs"),
    ],
    ids=["empty", "binary", "yaml-syntax", "not-a-mapping", "no-jobs"],
)
def test_bad_input_is_one_clear_error_never_a_traceback(
    tmp_path: Path, content: bytes, expected: str
) -> None:
    (tmp_path / "ecs-scheduler.yaml").write_bytes(content)
    result = run_cli("validate", cwd=tmp_path)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert expected in result.stderr


def test_missing_file_and_directory(tmp_path: Path) -> None:
    missing = run_cli("validate", "-c", str(tmp_path / "nope.yaml"))
    assert missing.returncode == 1
    assert "nope.yaml" in missing.stderr
    assert "Traceback" not in missing.stderr
    directory = run_cli("validate", "-c", str(tmp_path))
    assert directory.returncode == 1
    assert "Traceback" not in directory.stderr


def test_invalid_value_names_file_line_and_field(tmp_path: Path) -> None:
    text = (EXAMPLES_DIR / "daily-report.yaml").read_text()
    broken = tmp_path / "ecs-scheduler.yaml"
    broken.write_text(text + "    maximum_retry_attempts: 200\n")
    result = run_cli("validate", "-c", str(broken))
    assert result.returncode == 1
    line_number = len(text.splitlines()) + 1
    assert (
        f"{broken}:{line_number}:29: jobs.daily-report.maximum_retry_attempts: "
        "200 is out of range 0-185"
    ) in result.stderr


def test_next_json_shape_and_dst() -> None:
    result = run_cli(
        "next",
        "-c",
        str(EXAMPLES_DIR / "daily-report.yaml"),
        "-n",
        "3",
        "--from",
        "2026-03-07T12:00:00Z",
        "--json",
    )
    assert result.returncode == 0, result.stderr
    (entry,) = json.loads(result.stdout)
    assert set(entry) >= {"job", "schedule", "expression", "timezone", "description", "runs"}
    assert entry["schedule"] == ""
    assert entry["timezone"] == "America/New_York"
    # 06:00 New York is 11:00 UTC before the 2026-03-08 spring-forward and 10:00 after it.
    assert entry["runs"] == [
        "2026-03-08T10:00:00Z",
        "2026-03-09T10:00:00Z",
        "2026-03-10T10:00:00Z",
    ]


def test_next_selects_one_schedule_and_rejects_unknown_ones() -> None:
    config = str(EXAMPLES_DIR / "multi-schedule.yaml")
    one = run_cli("next", "sync-orders/weekend", "-c", config, "--json", "-n", "1")
    assert one.returncode == 0, one.stderr
    assert [entry["schedule"] for entry in json.loads(one.stdout)] == ["weekend"]
    unknown = run_cli("next", "sync-orders/nightly", "-c", config)
    assert unknown.returncode == 1
    assert "no schedule 'nightly'" in unknown.stderr
    bad_from = run_cli("next", "-c", config, "--from", "yesterday")
    assert bad_from.returncode == 2  # a malformed option value is a usage error
    assert "--from" in bad_from.stderr


def test_schema_is_json_schema() -> None:
    result = run_cli("schema")
    assert result.returncode == 0, result.stderr
    schema = json.loads(result.stdout)
    assert schema["type"] == "object"
    assert "jobs" in schema["properties"]


def test_unexpected_errors_hide_traceback_unless_debug(tmp_path: Path) -> None:
    # An output directory that is a file cannot be written: the export must say so clearly.
    blocker = tmp_path / "out"
    blocker.write_text("")
    config = str(EXAMPLES_DIR / "daily-report.yaml")
    result = run_cli("export", "terraform", "-o", str(blocker), "-c", config)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.strip()


@pytest.mark.parametrize("engine", ["terraform", "cloudformation"])
def test_export_writes_files(tmp_path: Path, engine: str) -> None:
    config = str(EXAMPLES_DIR / "multi-schedule.yaml")
    result = run_cli("export", engine, "-o", str(tmp_path / engine), "-c", config)
    assert result.returncode == 0, result.stderr
    written = [line.removeprefix("wrote ") for line in result.stdout.splitlines()]
    assert written
    assert all(Path(path).is_file() for path in written)


def test_help_lists_every_command() -> None:
    result = run_cli("--help")
    assert result.returncode == 0
    for command in (
        "validate",
        "next",
        "schema",
        "export",
        "plan",
        "apply",
        "destroy",
        "outputs",
        "demo",
    ):
        assert command in result.stdout
