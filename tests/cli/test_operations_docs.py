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
from tests.operations.deployed import POLL_QUICKLY, deploy_example
from tests.prewarmed import shared

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
    relay = tmp_path / "bin"
    relay.mkdir()
    env = {
        **os.environ,
        "PATH": os.pathsep.join([str(relay), str(Path(sys.executable).parent), os.environ["PATH"]]),
        "PYTHONPATH": str(REPO_ROOT / "src"),
    }
    blocks = BLOCK.findall(DOC.read_text(encoding="utf-8"))
    assert [kind for kind, _ in blocks].count("bash") >= 3
    # Each `ecs-scheduler` is forked from a Python that imported the CLI once
    # (tests/prewarmed.py), and polls quickly: `run --wait` polls every 0.02 s, not 5 s
    # (moto stops a task at the fourth DescribeTasks), and a dead-letter read ends with a
    # short poll, not a one-second long poll.
    shared().command(relay, prelude=POLL_QUICKLY)
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
