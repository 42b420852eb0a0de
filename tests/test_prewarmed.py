"""The forking parent of tests/prewarmed.py: its children behave as fresh interpreters do."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import EXAMPLES_DIR, REPO_ROOT
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


def _ending(
    python: Prewarmed,
    code: str,
    args: list[str],
    cwd: Path,
    forked: bool,
    env: dict[str, str] | None = None,
) -> tuple[int, str, str]:
    """Exit status, stdout and stderr of ``python -c code *args`` run in ``cwd``, forked from
    ``python`` or in a fresh interpreter."""
    out, err = cwd / "out", cwd / "err"
    with out.open("wb") as stdout, err.open("wb") as stderr, devnull() as stdin:
        streams: dict[str, Any] = {"stdin": stdin, "stdout": stdout, "stderr": stderr}
        if forked:
            status = python.start(args, code=code, cwd=cwd, env=env, **streams).wait(timeout=30)
        else:
            status = _fresh(code, args, cwd=cwd, env=env, **streams).wait(timeout=30)
    return status, out.read_text(), err.read_text()


@pytest.fixture(scope="module")
def python() -> Iterator[Prewarmed]:
    with Prewarmed(modules=()) as parent:
        yield parent


def test_a_child_gets_its_arguments_directory_environment_streams_and_exit_code(
    python: Prewarmed, tmp_path: Path
) -> None:
    env = {**os.environ, "PREWARMED_TEST": "yes"}
    outputs = [_ending(python, _REPORT, ["3"], tmp_path, forked, env) for forked in (True, False)]
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


_LEAVE_WITHOUT_CLEANING_UP = """
import os, sys
sys.path.insert(0, sys.argv[1])
from tests.prewarmed import Prewarmed
print(Prewarmed(modules=()).__enter__()._parent.pid, flush=True)
os._exit(0)  # as an xdist worker may end: no atexit, no __exit__
"""


def test_the_parent_ends_when_the_test_process_ends_however_it_ends() -> None:
    left = subprocess.run(
        [sys.executable, "-c", _LEAVE_WITHOUT_CLEANING_UP, str(REPO_ROOT)],
        capture_output=True,
        text=True,
        check=True,
    )
    deadline = time.monotonic() + 30
    while _running(int(left.stdout)):
        assert time.monotonic() < deadline, "the forking parent outlived its test process"
        time.sleep(0.05)


def _running(pid: int) -> bool:
    """Not gone, nor a zombie left to an init that does not reap (``man 5 proc``: stat)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1][0]
    except FileNotFoundError:
        return False
    return state not in "ZX"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _gone_within(pid: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    return not _alive(pid)


def test_a_run_that_times_out_kills_its_child_as_subprocess_run_does(
    python: Prewarmed, tmp_path: Path
) -> None:
    pid_file = tmp_path / "pid"
    code = f"import os, time; open({str(pid_file)!r}, 'w').write(str(os.getpid())); time.sleep(60)"

    # The timeout only has to outlast the child's writing its pid: this parent imported
    # nothing, and a child wrote a file 4 to 18 ms after its request (measured at load 5).
    with pytest.raises(subprocess.TimeoutExpired):
        python.run([], code=code, timeout=0.5)

    assert not _alive(int(pid_file.read_text()))


def test_a_child_whose_requester_went_away_is_killed(python: Prewarmed) -> None:
    """A test that timed out, or a relay killed outright, leaves no command running."""
    with devnull() as nothing:
        child = python.start(
            [], code=_WAIT_FOR_CTRL_C, stdin=nothing, stdout=nothing, stderr=nothing
        )
    assert _alive(child.pid)

    child._connection.close()  # what the requester's end does when its process dies

    assert _gone_within(child.pid, 10)
    # ... and the parent, which watches every child, still serves the next request.
    assert python.run([], code="print('next')", timeout=30).stdout == "next\n"


def test_a_child_still_running_ends_with_its_parent() -> None:
    """A command the test process left running (``local`` serves until Ctrl-C) ends with it."""
    with Prewarmed(modules=()) as parent, devnull() as nothing:
        child = parent.start(
            [], code=_WAIT_FOR_CTRL_C, stdin=nothing, stdout=nothing, stderr=nothing
        )
        assert _alive(child.pid)
    deadline = time.monotonic() + 10
    while _running(child.pid):  # killed, and left to init to reap
        assert time.monotonic() < deadline, "the child outlived its parent"
        time.sleep(0.05)


def test_ended_kills_a_child_still_running_after_its_timeout(python: Prewarmed) -> None:
    with python.piped([], code=_WAIT_FOR_CTRL_C) as piped:
        assert piped.stdout.readline() == "waiting\n"
        began = time.monotonic()
        # The child has printed and sleeps for a minute: any timeout expires, however short.
        with pytest.raises(subprocess.TimeoutExpired):
            piped.ended(timeout=0.1)
        assert time.monotonic() - began < 10
        assert piped.child.poll() == -signal.SIGKILL


def test_children_draw_different_moto_ids() -> None:
    """moto seeds its own generator at import, in the parent; each child reseeds it, as a
    fresh interpreter would have."""
    code = "from moto.moto_api._internal import mock_random; print(mock_random.get_random_hex())"
    with Prewarmed(modules=("moto.moto_api._internal",)) as parent:
        ids = {parent.run([], code=code).stdout for _ in range(3)}
    assert len(ids) == 3


_ENDINGS = {
    "falls-off-the-end": "",
    "exit-code": "sys.exit(4)",
    "exit-message": "sys.exit('stopped here')",
    "uncaught-exception": "raise ValueError('bad value')",
}
# What the interpreter's shutdown does before it frees memory: join the non-daemon thread,
# run the atexit handlers (last registered first), flush what is still buffered.
_SHUTS_DOWN = """
import atexit, sys, threading, time
atexit.register(print, "first registered", flush=True)
atexit.register(lambda: print("last registered", file=sys.stderr))
def late():
    time.sleep(0.05)  # still running when the main thread ends
    print("thread joined")
threading.Thread(target=late).start()
sys.stdout.write("buffered, unflushed\\n")
"""


@pytest.mark.parametrize("ending", _ENDINGS.values(), ids=_ENDINGS.keys())
def test_a_child_shuts_down_as_a_fresh_interpreter_does(
    python: Prewarmed, tmp_path: Path, ending: str
) -> None:
    code = _SHUTS_DOWN + ending
    endings = [_ending(python, code, [], tmp_path, forked) for forked in (True, False)]
    assert endings[0] == endings[1]
    assert "thread joined\nfirst registered\n" in endings[0][1]
    assert "last registered\n" in endings[0][2]
