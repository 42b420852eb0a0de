"""``import`` refuses a defaults file it cannot use before reading anything from AWS."""

from __future__ import annotations

from pathlib import Path

from tests.cli.runner import run_cli


def test_defaults_that_are_not_a_mapping_of_job_fields_are_one_line_exit_1(
    tmp_path: Path,
) -> None:
    defaults = tmp_path / "defaults.yaml"
    defaults.write_text("- kms_key_arn\n", encoding="utf-8")
    written = tmp_path / "out.yaml"
    # An endpoint nothing listens on: reaching AWS would fail differently.
    result = run_cli(
        "import", "-o", str(written), "--defaults", str(defaults),
        "--region", "us-east-1", "--endpoint-url", "http://127.0.0.1:9",
    )  # fmt: skip
    assert result.returncode == 1
    assert result.stderr.strip() == f"--defaults {defaults}: expected a mapping of job fields"
    assert not written.exists()
