"""A Terraform root directory on the emulator, initialised from the local provider mirror, for
the tests that run terraform besides the export's own apply (test_terraform_apply.py)."""

from __future__ import annotations

from pathlib import Path

from tests.engines.test_terraform_apply import (
    MIRROR,
    PROVIDER_OVERRIDE,
    Terraform,
    _terraform_or_skip,
    own_emulator,
    terraform_environment,
)

__all__ = ["Terraform", "own_emulator", "terraform_root"]


def terraform_root(root: Path, endpoint_url: str) -> Terraform:
    """``terraform init`` in ``root`` with the provider pointed at the emulator (skips the test
    where terraform or the provider is missing)."""
    binary = _terraform_or_skip()
    (root / "emulator_override.tf").write_text(PROVIDER_OVERRIDE, encoding="utf-8")
    cli_config = root.parent / f"{root.name}.terraform.rc"
    cli_config.write_text(
        f'provider_installation {{\n  filesystem_mirror {{\n    path = "{MIRROR}"\n  }}\n}}\n',
        encoding="utf-8",
    )
    terraform = Terraform(binary, root, terraform_environment(cli_config, endpoint_url))
    completed = terraform.run("init", "-backend=false", "-no-color")
    assert completed.returncode == 0, completed.stdout + completed.stderr
    return terraform
