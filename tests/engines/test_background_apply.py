"""How a test waits for the background Terraform apply (tests/engines/background_apply.py)."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.engines.background_apply import wait_until_applied, write_ready


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


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs procfs (proc(5))")
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
