"""The Terraform export's apply (tests/engines/test_terraform_apply.py), run in the background.

That apply takes a minute, nearly all of it asleep: hashicorp/aws waits 25 s after creating a
queue and 25 s more after setting its policy (``waitQueueAttributesPropagated``: six equal
reads, five seconds apart, in internal/service/sqs). Run by the worker whose tests need it,
that minute keeps one of the two workers idle. So it runs in a process of its own, with an
emulator of its own, started by the process that runs the session (pytest-xdist's controller,
or pytest itself without ``-n``) as soon as the collected tests show it is needed; the workers
run other tests meanwhile, and the tests that need the apply wait for it to be ready.

This module is a pytest plugin (tests/conftest.py names it). Only with ``--dist loadfile`` or
``loadscope`` (make test's) do the workers share the one apply: those run the file's tests
on one worker, in order, as they need (some change what was applied). Under another ``--dist``
each worker applies on its own, as before.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
TEST_FILE = "tests/engines/test_terraform_apply.py"
READY = "ready.json"
_PID = "pid"
_LOG = "log"
_WORKER_INPUT = "terraform_apply_directory"


class BackgroundApply:
    """The apply's process: ``python -m tests.engines.test_terraform_apply DIRECTORY``.

    It writes ``ready.json`` into the directory once applied, then serves its emulator until
    its stdin closes (:meth:`stop`, or the death of the process that started it). It runs in a
    process group of its own, which terraform and its providers join: a Ctrl-C at the
    terminal leaves it to the process that started it, and stopping it stops them all.
    """

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._child: subprocess.Popen[bytes] | None = None

    def start(
        self, command: tuple[str, ...] = ("-m", "tests.engines.test_terraform_apply")
    ) -> None:
        """Start ``python COMMAND DIRECTORY`` (tests stand another program in for the apply)."""
        if self._child is not None:
            return
        with (self.directory / _LOG).open("wb") as log:
            self._child = subprocess.Popen(
                [sys.executable, *command, str(self.directory)],
                cwd=REPO_ROOT,
                stdin=subprocess.PIPE,
                stdout=log,
                stderr=subprocess.STDOUT,
                process_group=0,
            )
        (self.directory / _PID).write_text(str(self._child.pid), encoding="utf-8")

    def stop(self) -> None:
        if self._child is None:
            return
        assert self._child.stdin is not None
        self._child.stdin.close()
        try:
            self._child.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self._child.pid, signal.SIGKILL)
            self._child.wait()
        self._child = None


def stop_group_when_stdin_closes() -> None:
    """In the apply's process: when the process that started it closes its stdin (or ends),
    kill the process group, this process and terraform's if it still runs."""

    def wait_for_end_of_input() -> None:
        sys.stdin.buffer.read()
        os.killpg(0, signal.SIGKILL)

    threading.Thread(target=wait_for_end_of_input, daemon=True).start()


def started_directory(config: pytest.Config) -> Path | None:
    """The directory of the apply this session started, if it started one."""
    if hasattr(config, "workerinput"):
        shared = config.workerinput.get(_WORKER_INPUT)
        if shared is None:  # another --dist, or this plugin not loaded in the controller
            return None
        directory = Path(shared)
    else:
        background = config.stash.get(_BACKGROUND, None)
        if background is None:
            return None
        directory = background.directory
    return directory if (directory / _PID).exists() else None


def wait_until_applied(directory: Path, timeout_seconds: float) -> Mapping[str, Any]:
    """``ready.json`` of the apply in ``directory``; fails with the apply's output if it died."""
    pid = int((directory / _PID).read_text(encoding="utf-8"))
    deadline = time.monotonic() + timeout_seconds
    while not (directory / READY).exists():
        if not alive(pid):
            # It may have written the file just before it ended.
            if (directory / READY).exists():
                break
            log = (directory / _LOG).read_text(encoding="utf-8", errors="replace")
            raise AssertionError(f"the background terraform apply ended early:\n{log}")
        if time.monotonic() > deadline:
            raise AssertionError(f"the background terraform apply took over {timeout_seconds} s")
        time.sleep(0.2)
    ready: Mapping[str, Any] = json.loads((directory / READY).read_text(encoding="utf-8"))
    return ready


def write_ready(directory: Path, ready: Mapping[str, Any]) -> None:
    """Written whole, then renamed: a waiting test never reads half of it."""
    partial = directory / f"{READY}.partial"
    partial.write_text(json.dumps(ready), encoding="utf-8")
    partial.replace(directory / READY)


def alive(pid: int) -> bool:
    """Whether the process runs: an ended child of the controller stays a zombie ("Z" in
    /proc/PID/stat, proc(5)) until the controller reaps it at the end of the session."""
    if not Path("/proc/self/stat").exists():  # no procfs: the deadline finds a crash
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="utf-8")
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


_BACKGROUND = pytest.StashKey[BackgroundApply]()


def needs_the_apply(config: pytest.Config, node_ids: Iterable[str]) -> bool:
    """Whether tests of the file are to run (collected ids are relative to the rootdir)."""
    if config.option.collectonly or config.option.setupplan or shutil.which("terraform") is None:
        return False
    test_file = REPO_ROOT / TEST_FILE
    return any(config.rootpath / node_id.split("::", 1)[0] == test_file for node_id in node_ids)


def _shared_by_workers(config: pytest.Config) -> bool:
    return config.getoption("dist", "no") in ("loadfile", "loadscope")


def pytest_configure(config: pytest.Config) -> None:
    if not hasattr(config, "workerinput"):  # a worker waits for its controller's apply
        directory = Path(tempfile.mkdtemp(prefix="terraform-apply-"))
        config.stash[_BACKGROUND] = BackgroundApply(directory)


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    if _shared_by_workers(node.config):
        node.workerinput[_WORKER_INPUT] = str(node.config.stash[_BACKGROUND].directory)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_node_collection_finished(node: Any, ids: Iterable[str]) -> None:
    if _shared_by_workers(node.config) and needs_the_apply(node.config, ids):
        node.config.stash[_BACKGROUND].start()


def pytest_collection_finish(session: pytest.Session) -> None:
    config = session.config
    if not hasattr(config, "workerinput") and needs_the_apply(  # pytest without -n
        config, (item.nodeid for item in session.items)
    ):
        config.stash[_BACKGROUND].start()


def pytest_unconfigure(config: pytest.Config) -> None:
    background = config.stash.get(_BACKGROUND, None)
    if background is not None:
        background.stop()
        shutil.rmtree(background.directory, ignore_errors=True)
