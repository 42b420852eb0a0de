"""Every code block of docs/operations.md runs, in order, against a deployed emulator stack."""

from __future__ import annotations

import os
import re
import runpy
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT, EmulatedAccount
from tests.operations.deployed import deploy_example, tasks_stop_at_once

pytestmark = pytest.mark.slow

DOC = REPO_ROOT / "docs" / "operations.md"
BLOCK = re.compile(r"^```(bash|python)\n(.*?)^```$", re.MULTILINE | re.DOTALL)


def test_every_code_block_runs(
    emulated_account: EmulatedAccount, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    deployed = deploy_example(emulated_account, "daily-report")
    shutil.copy(emulated_account.configs["daily-report"], tmp_path / "ecs-scheduler.yaml")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("AWS_ENDPOINT_URL", emulated_account.endpoint_url)
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "PYTHONPATH": str(REPO_ROOT / "src"),
    }
    blocks = BLOCK.findall(DOC.read_text(encoding="utf-8"))
    assert [kind for kind, _ in blocks].count("bash") >= 3
    # `run --wait` then sees its task stopped at its first poll, not four polls (20 s) later.
    with tasks_stop_at_once(emulated_account.endpoint_url):
        run_blocks(blocks, tmp_path, env)
    assert deployed.visible_messages("daily-report") == 0


def run_blocks(blocks: list[tuple[str, str]], tmp_path: Path, env: dict[str, str]) -> None:
    for kind, code in blocks:
        if kind == "python":
            script = tmp_path / "block.py"
            script.write_text(code, encoding="utf-8")
            runpy.run_path(str(script))
            continue
        result = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", code],
            capture_output=True,
            text=True,
            env=env,
            timeout=300,
            check=False,
        )
        assert result.returncode == 0, f"{code}\n{result.stdout}\n{result.stderr}"
