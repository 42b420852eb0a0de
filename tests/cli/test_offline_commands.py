"""The offline commands through the real entry point: exit codes, output shapes, bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli.runner import run_cli, run_cli_in_subprocess
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
    result = run_cli_in_subprocess("--help")
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


def test_validate_json_reports_every_error_with_its_position(tmp_path: Path) -> None:
    """An invalid file used to print nothing on stdout with --json."""
    text = (EXAMPLES_DIR / "daily-report.yaml").read_text()
    text = text.replace(
        "    task_name:",
        "    security_group_id: sg-0a1b2c3d\n    timezon: x\n    task_name:",
        1,
    )
    config = tmp_path / "bad.yaml"
    config.write_text(text)
    result = run_cli("validate", "-c", str(config), "--json")
    assert result.returncode == 1, result.stderr
    report = json.loads(result.stdout)
    assert report["valid"] is False
    (error,) = report["errors"]
    line = text.splitlines().index("    timezon: x") + 1
    assert error == {
        "file": str(config),
        "line": line,
        "column": 5,
        "path": error["path"],
        "message": error["message"],
    }
    assert error["path"].endswith(".timezon")
    assert "unknown field" in error["message"]
    (warning,) = report["warnings"]
    assert set(warning) == {"file", "line", "column", "path", "message"}
    assert warning["line"] == line - 1
    assert "deprecated" in warning["message"]


def test_validate_json_for_a_file_that_cannot_be_read(tmp_path: Path) -> None:
    missing = tmp_path / "missing.yaml"
    result = run_cli("validate", "-c", str(missing), "--json")
    assert result.returncode == 1
    assert json.loads(result.stdout) == {
        "valid": False,
        "errors": [
            {
                "file": str(missing),
                "line": None,
                "column": None,
                "path": "",
                "message": "no such file",
            }
        ],
        "warnings": [],
    }


def test_validate_json_shape_of_a_valid_file() -> None:
    result = run_cli("validate", "-c", str(EXAMPLES_DIR / "daily-report.yaml"), "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert set(report) == {"valid", "errors", "warnings", "stack", "jobs", "schedules", "resources"}
    assert (report["valid"], report["errors"], report["warnings"]) == (True, [], [])


def config_with_expression(tmp_path: Path, expression: str) -> Path:
    text = (EXAMPLES_DIR / "daily-report.yaml").read_text(encoding="utf-8")
    config = tmp_path / "ecs-scheduler.yaml"
    config.write_text(text.replace("cron(0 6 * * ? *)", expression), encoding="utf-8")
    return config


def test_next_marks_a_time_skipped_by_dst_in_json_and_text(tmp_path: Path) -> None:
    config = str(config_with_expression(tmp_path, "cron(30 2 * * ? *)"))
    args = ("next", "-c", config, "-n", "3", "--from", "2026-03-06T12:00:00Z")
    result = run_cli(*args, "--json")
    assert result.returncode == 0, result.stderr
    (entry,) = json.loads(result.stdout)
    assert entry["runs"] == ["2026-03-07T07:30:00Z", "2026-03-09T06:30:00Z", "2026-03-10T06:30:00Z"]
    assert entry["dst_changes"] == [
        {
            "kind": "skipped",
            "at": "2026-03-08T07:00:00Z",
            "wall_time": "2026-03-08T02:30:00",
            "message": "skipped: clocks go forward 1 h at 02:00; 02:30 does not exist that day",
        }
    ]
    text = run_cli(*args)
    assert text.returncode == 0, text.stderr
    lines = text.stdout.splitlines()
    skipped = next(i for i, line in enumerate(lines) if "Sun 2026-03-08 02:30" in line)
    assert lines[skipped].lstrip("│ ").startswith("–")
    assert "skipped" in lines[skipped]
    before = next(i for i, line in enumerate(lines) if "Sat 2026-03-07 02:30 EST" in line)
    after = next(i for i, line in enumerate(lines) if "Mon 2026-03-09 02:30 EDT" in line)
    assert before < skipped < after


def test_next_marks_repeated_and_moved_times(tmp_path: Path) -> None:
    fall = config_with_expression(tmp_path, "cron(30 1 * * ? *)")
    result = run_cli("next", "-c", str(fall), "-n", "3", "--from", "2026-10-31T12:00:00Z", "--json")
    (entry,) = json.loads(result.stdout)
    assert [(c["kind"], c["at"]) for c in entry["dst_changes"]] == [
        ("repeated", "2026-11-01T05:30:00Z")
    ]
    rate = config_with_expression(tmp_path, "rate(1 day)")
    result = run_cli("next", "-c", str(rate), "-n", "3", "--from", "2026-03-07T12:00:00Z", "--json")
    (entry,) = json.loads(result.stdout)
    assert [(c["kind"], c["at"]) for c in entry["dst_changes"]] == [
        ("moved", "2026-03-08T12:00:00Z")
    ]


def test_next_notes_that_aws_counts_rate_from_creation(tmp_path: Path) -> None:
    config = str(config_with_expression(tmp_path, "rate(1 day)"))
    result = run_cli("next", "-c", config, "-n", "1", "--json")
    (entry,) = json.loads(result.stdout)
    assert entry["notes"] == [
        "AWS counts rate() from when the schedule is created (it has no start_date);"
        " these times count from --from (default: now)"
    ]
    text = run_cli("next", "-c", config, "-n", "1")
    assert "AWS counts rate() from when the schedule is created" in text.stdout.replace("\n", " ")
    cron = run_cli("next", "-c", str(EXAMPLES_DIR / "daily-report.yaml"), "-n", "1", "--json")
    assert json.loads(cron.stdout)[0]["notes"] == []


def test_next_help_says_from_without_offset_is_utc() -> None:
    result = run_cli("next", "--help")
    assert result.returncode == 0
    words = " ".join(result.stdout.replace("│", " ").split())
    assert "Without an offset it is UTC" in words


def test_next_reports_nothing_skipped_before_the_start_date(tmp_path: Path) -> None:
    config = config_with_expression(
        tmp_path, "cron(30 2 * * ? *)\n    start_date: 2026-03-09T00:00:00Z"
    )
    result = run_cli(
        "next", "-c", str(config), "-n", "2", "--from", "2026-03-06T12:00:00Z", "--json"
    )
    assert result.returncode == 0, result.stderr
    (entry,) = json.loads(result.stdout)
    assert entry["runs"] == ["2026-03-09T06:30:00Z", "2026-03-10T06:30:00Z"]
    assert entry["dst_changes"] == []
