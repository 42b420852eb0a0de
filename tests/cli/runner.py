"""Run the CLI as a user's shell would: in this process (fast), or in a fresh interpreter.

``run_cli`` calls ``main`` here, with the standard streams and the working directory swapped
for the call, and returns what the shell would see (exit code, stdout, stderr). A subprocess
costs an interpreter start and the imports of every call (about 0.5 s each); a few smoke
tests keep ``run_cli_in_subprocess``, the installed entry point's real path.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ecs_scheduler.cli import main


def run_cli(
    *args: str, cwd: Path | None = None, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    """``ecs-scheduler *args`` in this process; stdin is empty unless given, never a terminal."""
    stdout, stderr = _stream(), _stream()
    with _standard_streams(_stream(stdin or ""), stdout, stderr), _working_directory(cwd):
        try:
            main(list(args))
        except SystemExit as exit_:
            returncode = _exit_code(exit_.code)
        else:  # main always exits; reaching here would be a bug in main
            raise AssertionError("main() returned instead of exiting")
    return subprocess.CompletedProcess(
        ["ecs-scheduler", *args], returncode, _text(stdout), _text(stderr)
    )


def run_cli_in_subprocess(
    *args: str, cwd: Path | None = None, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    """``ecs-scheduler *args`` in a fresh interpreter: the smoke tests of the real entry point."""
    return subprocess.run(
        [sys.executable, "-c", "from ecs_scheduler.cli import main; main()", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        input=stdin,
        timeout=300,
        check=False,
    )


def _stream(text: str = "") -> io.TextIOWrapper:
    """A text stream with a byte buffer underneath, as a pipe has (``sys.stdout.buffer``)."""
    return io.TextIOWrapper(io.BytesIO(text.encode()), encoding="utf-8", newline="")


def _text(stream: io.TextIOWrapper) -> str:
    stream.flush()
    buffer = stream.buffer
    assert isinstance(buffer, io.BytesIO)
    # As ``subprocess.run(text=True)`` reads a pipe: universal newlines.
    return buffer.getvalue().decode().replace("\r\n", "\n").replace("\r", "\n")


def _exit_code(code: object) -> int:
    """The status a shell would see for ``sys.exit(code)``."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)
    return 1


@contextmanager
def _standard_streams(
    stdin: io.TextIOWrapper, stdout: io.TextIOWrapper, stderr: io.TextIOWrapper
) -> Iterator[None]:
    saved = sys.stdin, sys.stdout, sys.stderr
    sys.stdin, sys.stdout, sys.stderr = stdin, stdout, stderr
    try:
        yield
    finally:
        sys.stdin, sys.stdout, sys.stderr = saved


@contextmanager
def _working_directory(cwd: Path | None) -> Iterator[None]:
    saved = Path.cwd()
    if cwd is not None:
        os.chdir(cwd)
    try:
        yield
    finally:
        os.chdir(saved)
