"""Every job key that validates names a Terraform module: ``9-lives`` becomes ``job_9-lives``."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import hcl2
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ecs_scheduler.config import NAME_PATTERN
from ecs_scheduler.engines.terraform import export_terraform
from ecs_scheduler.engines.terraform_syntax import is_identifier
from ecs_scheduler.loader import loads
from ecs_scheduler.resources import build, module_name
from tests.conftest import EXAMPLES_DIR


def stack_with_job_key(key: str) -> str:
    text = (EXAMPLES_DIR / "daily-report.yaml").read_text(encoding="utf-8")
    return text.replace("\n  daily-report:\n", f"\n  {key}:\n", 1)


@given(st.from_regex(NAME_PATTERN, fullmatch=True))
def test_every_valid_job_key_maps_to_a_terraform_name(key: str) -> None:
    name = module_name(key)
    assert is_identifier(name)
    assert name in (key, f"job_{key}")


def test_a_key_that_starts_with_a_letter_keeps_its_address() -> None:
    assert module_name("daily-report") == "daily-report"
    desired = build(loads(stack_with_job_key("daily-report")).stack)
    assert 'module.daily-report.aws_scheduler_schedule.ecs[""]' in desired.resources


def test_mapped_names_never_meet_another_job_key() -> None:
    # Job keys hold no '_', so 'job_<key>' is never itself a job key.
    assert "_" not in NAME_PATTERN
    assert module_name("9-lives") == "job_9-lives"
    assert module_name("-x") == "job_-x"


def test_job_key_starting_with_a_digit_exports_and_terraform_validates(tmp_path: Path) -> None:
    """``9-lives`` validated, but the export refused it: a module name must start with a letter."""
    desired = build(loads(stack_with_job_key("9-lives")).stack)
    assert all(address.startswith("module.job_9-lives.") for address in desired.resources)
    export_terraform(desired, tmp_path / "export")
    root = hcl2.loads((tmp_path / "export" / "main.tf").read_text(encoding="utf-8"))
    (module,) = root["module"]
    assert [label.strip('"') for label in module] == ["job_9-lives"]
    assert (tmp_path / "export" / "modules" / "job_9-lives" / "main.tf").is_file()

    terraform = shutil.which("terraform")
    mirror = Path(os.environ.get("TF_PLUGIN_MIRROR", "/opt/tf-plugins"))
    if terraform is None or not mirror.is_dir():
        pytest.skip("terraform or a local hashicorp/aws provider mirror is not available")
    cli_config = tmp_path / "terraform.rc"
    cli_config.write_text(
        f'provider_installation {{\n  filesystem_mirror {{\n    path = "{mirror}"\n  }}\n}}\n',
        encoding="utf-8",
    )
    environment = {
        **os.environ,
        "CHECKPOINT_DISABLE": "1",  # no upgrade check at checkpoint-api.hashicorp.com
        "TF_CLI_CONFIG_FILE": str(cli_config),
        "TF_IN_AUTOMATION": "1",
    }
    for command in (["init", "-backend=false", "-input=false"], ["validate", "-no-color"]):
        completed = subprocess.run(
            [terraform, *command],
            cwd=tmp_path / "export",
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
            env=environment,
        )
        assert completed.returncode == 0, completed.stdout + completed.stderr
