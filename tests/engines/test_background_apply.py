"""How a test waits for the background Terraform apply (tests/engines/background_apply.py)."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace
from typing import cast

import pytest

from tests.engines.background_apply import (
    REPO_ROOT,
    BackgroundApply,
    alive,
    needs_the_apply,
    wait_until_applied,
    write_ready,
)


def _process_of(directory: Path, code: str) -> subprocess.Popen[bytes]:
    """A process standing for the apply, its pid and output where the apply writes them."""
    with (directory / "log").open("wb") as log:
        child = subprocess.Popen([sys.executable, "-c", code], stdout=log, stderr=log)
    (directory / "pid").write_text(str(child.pid), encoding="utf-8")
    return child


def test_the_ready_file_is_read_once_written(tmp_path: Path) -> None:
    child = _process_of(tmp_path, "import time; time.sleep(60)")
    try:
        write_ready(tmp_path, {"returncode": 0, "output": "Apply complete!"})
        assert wait_until_applied(tmp_path, timeout_seconds=5) == {
            "returncode": 0,
            "output": "Apply complete!",
        }
        assert [path.name for path in tmp_path.iterdir() if "ready" in path.name] == ["ready.json"]
    finally:
        child.kill()
        child.wait()


NEEDS_PROCFS = pytest.mark.skipif(
    not Path("/proc/self/stat").exists(), reason="needs procfs (proc(5))"
)


@NEEDS_PROCFS
def test_an_apply_that_died_fails_at_once_with_its_output(tmp_path: Path) -> None:
    """Not reaped yet, as the controller reaps its child only at the end of the session."""
    child = _process_of(tmp_path, "import sys; print('provider crashed'); sys.exit(3)")
    stat = Path(f"/proc/{child.pid}/stat")
    try:
        while not stat.read_text(encoding="utf-8").rsplit(")", 1)[1].startswith(" Z"):
            time.sleep(0.01)  # until it has ended, and is a zombie
        with pytest.raises(AssertionError, match="ended early:\nprovider crashed"):
            wait_until_applied(tmp_path, timeout_seconds=60)
    finally:
        child.wait()


def test_an_apply_that_never_gets_ready_fails_at_the_deadline(tmp_path: Path) -> None:
    child = _process_of(tmp_path, "import time; time.sleep(60)")
    try:
        with pytest.raises(AssertionError, match=r"took over 0\.3 s"):
            wait_until_applied(tmp_path, timeout_seconds=0.3)
    finally:
        child.kill()
        child.wait()


_STAND_IN = (
    "import subprocess, sys, threading\n"
    "from pathlib import Path\n"
    "from tests.engines.background_apply import stop_group_when_stdin_closes\n"
    "stop_group_when_stdin_closes()\n"
    "terraform = subprocess.Popen(['sleep', '60'])\n"
    "Path(sys.argv[1], 'terraform-pid').write_text(str(terraform.pid))\n"
    "threading.Event().wait()\n"
)


@NEEDS_PROCFS
def test_stopping_the_apply_stops_what_it_started(tmp_path: Path) -> None:
    """As terraform and its providers, started by the apply, are stopped with it."""
    background = BackgroundApply(tmp_path)
    background.start(("-c", _STAND_IN))
    started = tmp_path / "terraform-pid"
    deadline = time.monotonic() + 30
    while not started.exists() and time.monotonic() < deadline:
        time.sleep(0.01)
    grandchild = int(started.read_text(encoding="utf-8"))
    background.stop()
    deadline = time.monotonic() + 5
    while alive(grandchild) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not alive(grandchild)


@pytest.mark.parametrize(
    ("node_ids", "collect_only", "needed"),
    [
        (["tests/engines/test_terraform_apply.py::test_terraform_plan"], False, True),
        (["tests/engines/test_terraform_apply.py::test_x[daily-report]"], False, True),
        (["tests/engines/test_terraform_apply.py::test_terraform_plan"], True, False),
        (["tests/engines/test_terraform.py::test_x", "tests/test_docs.py::test"], False, False),
        ([], False, False),
    ],
)
def test_the_apply_starts_only_for_the_files_tests(
    node_ids: list[str], collect_only: bool, needed: bool
) -> None:
    config = SimpleNamespace(
        option=SimpleNamespace(collectonly=collect_only, setupplan=False), rootpath=REPO_ROOT
    )
    assert needs_the_apply(cast(pytest.Config, config), node_ids) is (
        needed and shutil.which("terraform") is not None
    )
