"""The forking parent of tests/prewarmed.py: its children behave as fresh interpreters do."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import EXAMPLES_DIR
from tests.prewarmed import Child, Prewarmed, devnull

_REPORT = """
import os, sys
print(os.getcwd(), sys.argv, os.environ["PREWARMED_TEST"], sys.path[0] == "", flush=True)
print("to stderr", file=sys.stderr)
sys.exit(int(sys.argv[1]))
"""
_WAIT_FOR_CTRL_C = "import sys, time\nprint('waiting', flush=True)\ntime.sleep(60)\n"


def _fresh(code: str, args: list[str], **streams: Any) -> subprocess.Popen[bytes]:
    """The same code in a fresh interpreter, to compare with."""
    return subprocess.Popen([sys.executable, "-c", code, *args], **streams)


@pytest.fixture(scope="module")
def python() -> Iterator[Prewarmed]:
    with Prewarmed(modules=()) as parent:
        yield parent


def test_a_child_gets_its_arguments_directory_environment_streams_and_exit_code(
    python: Prewarmed, tmp_path: Path
) -> None:
    env = {**os.environ, "PREWARMED_TEST": "yes"}
    outputs = []
    for forked in (True, False):
        out, err = tmp_path / "out", tmp_path / "err"
        with out.open("wb") as stdout, err.open("wb") as stderr, devnull() as stdin:
            streams: dict[str, Any] = {"stdin": stdin, "stdout": stdout, "stderr": stderr}
            if forked:
                child = python.start(["3"], code=_REPORT, cwd=tmp_path, env=env, **streams)
                code = child.wait(timeout=30)
            else:
                code = _fresh(_REPORT, ["3"], cwd=tmp_path, env=env, **streams).wait(timeout=30)
        outputs.append((code, out.read_text(), err.read_text()))
    assert outputs[0] == outputs[1]
    assert outputs[0] == (3, f"{tmp_path} ['-c', '3'] yes True\n", "to stderr\n")


def test_an_uncaught_ctrl_c_ends_a_child_as_it_ends_a_fresh_interpreter(
    python: Prewarmed,
) -> None:
    codes = []
    for forked in (True, False):
        read, write = os.pipe()
        with os.fdopen(read, "rb") as waiting, devnull() as nothing:
            with os.fdopen(write, "wb") as output:
                streams: dict[str, Any] = {"stdin": nothing, "stdout": output, "stderr": nothing}
                if forked:
                    process: Child | subprocess.Popen[bytes] = python.start(
                        [], code=_WAIT_FOR_CTRL_C, **streams
                    )
                else:
                    process = _fresh(_WAIT_FOR_CTRL_C, [], **streams)
            assert waiting.readline() == b"waiting\n"
            assert process.poll() is None
            process.send_signal(signal.SIGINT)
            codes.append(process.wait(timeout=30))
            assert process.poll() == codes[-1]
    assert codes == [-signal.SIGINT, -signal.SIGINT]


@pytest.mark.parametrize(
    "args",
    [["validate", "-c", str(EXAMPLES_DIR / "daily-report.yaml")], ["validate", "--no-such"]],
    ids=["valid", "usage-error"],
)
def test_the_relay_command_ends_as_python_dash_m_ends(
    python: Prewarmed, tmp_path: Path, args: list[str]
) -> None:
    relay = python.command(tmp_path)
    forked = subprocess.run([relay, *args], capture_output=True, text=True, check=False)
    fresh = subprocess.run(
        [sys.executable, "-m", "ecs_scheduler", *args], capture_output=True, text=True, check=False
    )
    assert (forked.returncode, forked.stdout, forked.stderr) == (
        fresh.returncode,
        fresh.stdout,
        fresh.stderr,
    )
    assert forked.returncode == (0 if args[-1].endswith(".yaml") else 2)


def test_a_child_runs_its_prelude_before_its_command(python: Prewarmed, tmp_path: Path) -> None:
    out = tmp_path / "out"
    code = "import builtins\nprint(getattr(builtins, 'PRELUDE_RAN', False))"
    with devnull() as nothing:
        for prelude in ("import builtins\nbuiltins.PRELUDE_RAN = True\n", ""):
            with out.open("wb") as stdout:
                child = python.start(
                    [], code=code, prelude=prelude, stdin=nothing, stdout=stdout, stderr=nothing
                )
                assert child.wait(timeout=30) == 0
            assert out.read_text() == f"{bool(prelude)}\n"
