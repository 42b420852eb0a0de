"""``export terraform --import-existing`` from the command line, on the emulator: one import
block per resource that exists (none before apply), and nothing written to AWS."""

from __future__ import annotations

from pathlib import Path

import yaml

from ecs_scheduler.engines.aws import apply, plan
from ecs_scheduler.loader import loads
from ecs_scheduler.resources import build
from tests.cli.runner import run_cli
from tests.conftest import EmulatedAccount
from tests.engines.test_terraform import without_task_tags


def test_export_with_import_existing_writes_a_block_per_existing_resource(
    emulated_account: EmulatedAccount, tmp_path: Path
) -> None:
    config = tmp_path / "stack.yaml"
    text = without_task_tags(emulated_account.configs["daily-report"].read_text(encoding="utf-8"))
    config.write_text(text, encoding="utf-8")
    endpoint = ("--endpoint-url", emulated_account.endpoint_url)

    before = run_cli(
        "export",
        "terraform",
        "-o",
        str(tmp_path / "a"),
        "-c",
        str(config),
        "--import-existing",
        *endpoint,
    )
    assert before.returncode == 0, before.stderr
    assert "0 import block(s)" in before.stdout
    assert (tmp_path / "a" / "imports.tf").read_text(encoding="utf-8") == "\n"
    groups = emulated_account.clients.scheduler.list_schedule_groups()["ScheduleGroups"]
    assert [group["Name"] for group in groups] == ["default"]  # it only read

    desired = build(loads(text, config.name).stack)
    apply(plan(desired, emulated_account.clients), emulated_account.clients)
    after = run_cli(
        "export",
        "terraform",
        "-o",
        str(tmp_path / "b"),
        "-c",
        str(config),
        "--import-existing",
        "--format",
        "json",
        *endpoint,
    )
    assert after.returncode == 0, after.stderr
    roles = sum(1 for r in desired.resources.values() if r.type == "aws_iam_role")
    expected = len(desired.resources) + 2 * roles
    assert f"{expected} import block(s)" in after.stdout
    document = yaml.safe_load((tmp_path / "b" / "imports.tf.json").read_text(encoding="utf-8"))
    assert {block["to"] for block in document["import"]} >= set(desired.resources)
    assert f"wrote {tmp_path / 'b' / 'imports.tf.json'}" in after.stdout
