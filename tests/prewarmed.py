"""Processes of a Python that has already imported the CLI: each one forked, not started anew.

A command started in a fresh interpreter pays the interpreter's start and its imports (boto3,
pydantic, rich, typer: about 0.5 s of CPU, several seconds on the shared test machine) before
it does anything. Tests that start many such processes (the interrupt tests, `local`, the
docs' commands) share one parent instead, which imports all of that once and then forks a
child per command.

Each child is a real process in every way a test looks at: its own pid, real signals, its
own standard streams (passed over a Unix socket), working directory, environment and
``sys.argv``, and an exit through the steps of the interpreter's shutdown a program can see
(joins of non-daemon threads, atexit handlers, flushed standard streams, a re-raised SIGINT
for an uncaught KeyboardInterrupt), so its output and exit status are the ones a fresh
interpreter would have. What differs: state a module makes when it is imported comes from
the parent's environment (rich's consoles read ``COLUMNS`` then), the objects the imports
made are never collected (``gc.freeze``), and the child exits without freeing its objects
(no ``__del__`` runs at exit: tearing them down would copy every page of the parent's).

``shared()`` is one parent for every test of a test process (an xdist worker), started on
first use. Run as a script, this file is that parent (``python prewarmed.py SOCKET
MODULE...``) or the command that asks it for a child (``python prewarmed.py --relay SOCKET
PRELUDE_FILE ARG...``).
"""

from __future__ import annotations

import atexit
import json
import os
import selectors
import signal
import socket
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

# What the CLI's commands import, on first use too (rich: 45 ms of each command that prints a
# table or a plan); a child imports anything else itself.
CLI_MODULES = (
    "ecs_scheduler.cli",
    "ecs_scheduler.engines.aws",
    "ecs_scheduler.engines.aws.clients",
    "ecs_scheduler.engines.aws.preflight",
    "ecs_scheduler.engines.aws.workflow",
    "ecs_scheduler.engines.cloudformation",
    "ecs_scheduler.engines.terraform",
    "ecs_scheduler.loader",
    "ecs_scheduler.operations.calendar",
    "ecs_scheduler.operations.dead_letters",
    "ecs_scheduler.operations.results",
    "ecs_scheduler.operations.status",
    "ecs_scheduler.operations.upcoming",
    "ecs_scheduler.resources",
    "ecs_scheduler.validation",
    "boto3",
    "encodings.utf_8_sig",
    "rich.console",
    "rich.rule",
    "rich.table",
    "typer._click.decorators",
)
# ... and what `local`, `demo` and the docs' `Emulator()` import: moto's server and the
# services the stack and its prerequisites use (each service's urls import its responses and
# models; moto's EC2 models parse EC2's whole botocore model when imported).
_SERVICES = ("cloudwatch", "ec2", "ecs", "events", "iam", "kms", "scheduler", "sns", "sqs", "sts")
EMULATOR_MODULES = (
    *CLI_MODULES,
    "ecs_scheduler.demo",
    "ecs_scheduler.local",
    "moto.server",
    *(f"moto.{service}.urls" for service in _SERVICES),
    # ... and what its first requests import (IAM's policy checks, EventBridge's targets).
    "flask.debughelpers",
    "moto.events.notifications",
    "moto.iam.access_control",
)


class Child:
    """A forked command, with the part of ``subprocess.Popen`` the tests use."""

    def __init__(self, connection: socket.socket) -> None:
        self._connection = connection
        self._received = b""
        self.pid = int(self._line(timeout=None))
        self.returncode: int | None = None

    def send_signal(self, signal_number: int) -> None:
        if self.returncode is None:
            os.kill(self.pid, signal_number)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    def poll(self) -> int | None:
        if self.returncode is None:
            with suppress(TimeoutError):  # still running
                self._ended(self._line(timeout=0))
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        if self.returncode is None:
            try:
                self._ended(self._line(timeout=timeout))
            except TimeoutError:
                raise subprocess.TimeoutExpired(f"pid {self.pid}", timeout or 0) from None
        assert self.returncode is not None
        return self.returncode

    def _ended(self, status: bytes) -> None:
        self.returncode = int(status)
        self._connection.close()

    def _line(self, timeout: float | None) -> bytes:
        """The parent's next line about this child: its pid, then its exit status."""
        self._connection.settimeout(timeout)
        while b"\n" not in self._received:
            try:
                chunk = self._connection.recv(64)
            except BlockingIOError:
                raise TimeoutError from None
            assert chunk, "the forking parent ended without an answer"
            self._received += chunk
        line, self._received = self._received.split(b"\n", 1)
        return line


@dataclass(frozen=True)
class Piped:
    child: Child
    stdout: IO[str]
    stderr: IO[bytes]

    def ended(self, timeout: float = 60) -> tuple[str, str]:
        """The rest of stdout and all of stderr once the child has ended (``communicate``);
        a child still running after ``timeout`` seconds is killed and TimeoutExpired raised."""
        rest: list[str] = []
        reader = threading.Thread(target=lambda: rest.append(self.stdout.read()), daemon=True)
        reader.start()
        reader.join(timeout)
        try:
            self.child.wait(timeout=0 if reader.is_alive() else timeout)
        except subprocess.TimeoutExpired:
            self.child.kill()
            self.child.wait()
            raise
        reader.join()
        self.stderr.seek(0)
        return "".join(rest), self.stderr.read().decode()


class Prewarmed:
    """The forking parent, started with ``with Prewarmed(modules) as python:``."""

    def __init__(self, modules: Sequence[str] = CLI_MODULES) -> None:
        self._modules = tuple(modules)
        self._stack = ExitStack()
        self._socket = ""
        self._parent: subprocess.Popen[str] | None = None

    def __enter__(self) -> Prewarmed:
        directory = self._stack.enter_context(tempfile.TemporaryDirectory())
        self._socket = str(Path(directory, "fork.sock"))
        import ecs_scheduler

        # The children run the ecs_scheduler this test process imported (a worktree's src/
        # wins over the editable install), as a fresh interpreter given PYTHONPATH would.
        source = str(Path(ecs_scheduler.__file__).resolve().parents[1])
        path = os.pathsep.join(filter(None, [source, os.environ.get("PYTHONPATH")]))
        self._parent = subprocess.Popen(
            [sys.executable, __file__, self._socket, *self._modules],
            stdin=subprocess.PIPE,  # its end tells the parent this process has ended
            stdout=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONPATH": path},
        )
        assert self._parent.stdout is not None
        ready = self._parent.stdout.readline()
        assert ready == "ready\n", f"the forking parent did not start: {ready!r}"
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._parent is not None:
            self._parent.terminate()
            try:
                self._parent.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._parent.kill()
                self._parent.wait()
            for stream in (self._parent.stdin, self._parent.stdout):
                if stream is not None:
                    stream.close()
        self._stack.close()

    def start(
        self,
        argv: Sequence[str],
        *,
        code: str | None = None,
        module: str | None = None,
        stdin: IO[Any] | int,
        stdout: IO[Any] | int,
        stderr: IO[Any] | int,
        cwd: Path | None = None,
        env: Mapping[str, str] | None = None,
        prelude: str = "",
    ) -> Child:
        """Fork a child running ``python -c code *argv`` or ``python -m module *argv``.

        ``prelude``: Python the child runs first (a test's monkeypatch, for a child).
        """
        assert (code is None) != (module is None), "give either code or module"
        request = {
            "code": code,
            "module": module,
            "argv": ["-c" if code is not None else module, *argv],
            "cwd": str(cwd or Path.cwd()),
            "env": dict(os.environ if env is None else env),
            "prelude": prelude,
        }
        streams = [s if isinstance(s, int) else s.fileno() for s in (stdin, stdout, stderr)]
        return _request(self._socket, request, streams)

    def run(
        self,
        argv: Sequence[str],
        *,
        module: str = "ecs_scheduler",
        code: str | None = None,
        cwd: Path | None = None,
        env: Mapping[str, str] | None = None,
        timeout: float = 300,
    ) -> subprocess.CompletedProcess[str]:
        """``python -m module *argv`` (or ``python -c code *argv``) with its output captured,
        as ``subprocess.run`` does."""
        with (
            tempfile.TemporaryFile() as stdout,
            tempfile.TemporaryFile() as stderr,
            devnull() as stdin,
        ):
            child = self.start(
                argv,
                code=code,
                module=module if code is None else None,
                stdin=stdin,
                stdout=stdout,
                stderr=stderr,
                cwd=cwd,
                env=env,
            )
            try:
                returncode = child.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                child.kill()  # as subprocess.run does
                child.wait()
                raise
            return subprocess.CompletedProcess(
                [module if code is None else "-c", *argv], returncode, _text(stdout), _text(stderr)
            )

    @contextmanager
    def piped(
        self,
        argv: Sequence[str],
        *,
        code: str | None = None,
        module: str | None = None,
        cwd: Path | None = None,
        env: Mapping[str, str] | None = None,
    ) -> Iterator[Piped]:
        """A child whose stdout is a pipe to read as it writes, its stderr a file; killed on
        leaving if it still runs."""
        read, write = os.pipe()
        with (
            os.fdopen(read, encoding="utf-8") as stdout,
            tempfile.TemporaryFile() as stderr,
            devnull() as stdin,
        ):
            with os.fdopen(write, "wb") as output:
                child = self.start(
                    argv,
                    code=code,
                    module=module,
                    stdin=stdin,
                    stdout=output,
                    stderr=stderr,
                    cwd=cwd,
                    env=env,
                )
            try:
                yield Piped(child, stdout, stderr)
            finally:
                if child.poll() is None:
                    child.kill()
                    child.wait()

    def command(self, directory: Path, name: str = "ecs-scheduler", prelude: str = "") -> Path:
        """Write ``directory/name``, a command that runs ``python -m ecs_scheduler "$@"`` as a
        child of this parent (after ``prelude``): put ``directory`` first on PATH. It passes
        on its streams, directory and environment, relays SIGINT, SIGTERM and SIGHUP to the
        child, and ends as the child ended. It starts in about 30 ms: its Python imports
        nothing but this file.
        """
        script = directory / name
        prelude_file = directory / f".{name}.prelude.py"
        prelude_file.write_text(prelude, encoding="utf-8")
        script.write_text(
            f'#!/bin/sh\nexec "{sys.executable}" -I -S "{__file__}" --relay "{self._socket}" '
            f'"{prelude_file}" "$@"\n',
            encoding="utf-8",
        )
        script.chmod(0o755)
        return script


def _request(path: str, request: dict[str, Any], streams: list[int]) -> Child:
    connection = socket.socket(socket.AF_UNIX)
    connection.connect(path)
    payload = json.dumps(request).encode()
    socket.send_fds(connection, [len(payload).to_bytes(8, "big")], streams)
    connection.sendall(payload)
    return Child(connection)


def _relay(path: str, prelude: Path, argv: list[str]) -> None:
    """The command ``Prewarmed.command`` writes: ``python -m ecs_scheduler *argv``, forked."""
    request = {
        "code": None,
        "module": "ecs_scheduler",
        "argv": ["ecs_scheduler", *argv],
        "cwd": os.getcwd(),
        "env": dict(os.environ),
        "prelude": prelude.read_text(encoding="utf-8"),
    }
    passed_on = {signal.SIGINT, signal.SIGTERM, signal.SIGHUP}
    # Held back until the handlers below know the child: none may end the relay alone.
    signal.pthread_sigmask(signal.SIG_BLOCK, passed_on)
    child = _request(path, request, [0, 1, 2])
    for number in passed_on:
        signal.signal(number, lambda received, _: child.send_signal(received))
    signal.pthread_sigmask(signal.SIG_UNBLOCK, passed_on)
    code = child.wait()
    if code < 0:  # killed by a signal: so is this process, for its parent to see
        signal.signal(-code, signal.SIG_DFL)
        os.kill(os.getpid(), -code)
    sys.exit(code)


_shared: Prewarmed | None = None


def shared() -> Prewarmed:
    """The test process's parent, importing ``EMULATOR_MODULES``: started on first use (a few
    seconds, once), stopped when the test process exits."""
    global _shared  # noqa: PLW0603 (one per process, as the emulator fixture is)
    if _shared is None:
        _shared = Prewarmed(EMULATOR_MODULES).__enter__()
        atexit.register(_shared.__exit__)
    return _shared


@contextmanager
def devnull() -> Iterator[IO[bytes]]:
    with open(os.devnull, "r+b") as stream:
        yield stream


def _text(output: IO[bytes]) -> str:
    """What ``subprocess.run(text=True)`` reads: decoded, universal newlines."""
    output.seek(0)
    return output.read().decode().replace("\r\n", "\n").replace("\r", "\n")


# --------------------------------------------------------------------------- the parent


# The children running now, each with its requester's connection and its pidfd.
_running: dict[int, tuple[socket.socket, int]] = {}


def _serve(listener: socket.socket) -> tuple[dict[str, Any], list[int]]:
    """Fork a child for each request; tell its requester its pid, then its exit status; kill
    it if the requester goes first (a test that timed out, a killed relay): it must not
    outlive it. Until SIGTERM or the end of stdin (the test process ended, however it ended:
    an xdist worker may skip atexit). Return, in a child, its request and streams.

    One process watches every child (one fork a command: a fork copies the page tables of
    this process's 240 MB, 12 ms each time)."""
    signal.signal(signal.SIGTERM, _stop)
    selector = selectors.DefaultSelector()
    selector.register(listener, selectors.EVENT_READ)
    selector.register(sys.stdin, selectors.EVENT_READ)
    while True:
        for key, _ in selector.select():
            if selector.get_map().get(key.fd) is not key:
                continue  # unregistered by an earlier event of this batch
            if key.fileobj is sys.stdin:
                _stop()
            elif key.fileobj is listener:
                connection, _ = listener.accept()
                request, streams = _receive(connection)
                child = os.fork()
                if child == 0:
                    signal.signal(signal.SIGTERM, signal.SIG_DFL)
                    selector.close()
                    listener.close()
                    connection.close()
                    for other, pidfd in _running.values():
                        other.close()
                        os.close(pidfd)
                    _running.clear()
                    return request, streams
                for stream in streams:
                    os.close(stream)
                pidfd = os.pidfd_open(child)
                # Known to _stop before the requester knows it: it may stop this process at once.
                _running[child] = (connection, pidfd)
                selector.register(pidfd, selectors.EVENT_READ, child)
                selector.register(connection, selectors.EVENT_READ, child)
                with suppress(OSError):
                    connection.sendall(f"{child}\n".encode())
            elif isinstance(key.fileobj, int):  # a pidfd: the child ended
                connection, pidfd = _running.pop(key.data)
                selector.unregister(pidfd)
                with suppress(KeyError):  # not if the requester went first
                    selector.unregister(connection)
                os.close(pidfd)
                _, status = os.waitpid(key.data, 0)
                with suppress(OSError):
                    connection.sendall(f"{os.waitstatus_to_exitcode(status)}\n".encode())
                connection.close()
            elif _requester_went(key.fileobj):  # type: ignore[arg-type]
                os.kill(key.data, signal.SIGKILL)
                selector.unregister(key.fileobj)


def _requester_went(connection: socket.socket) -> bool:
    try:
        return not connection.recv(64)
    except OSError:
        return True


def _stop(signum: int = signal.SIGTERM, frame: object = None) -> None:
    """End with the test process, and so do the commands it left running."""
    for child in _running:
        os.kill(child, signal.SIGKILL)
    os._exit(0)


def _receive(connection: socket.socket) -> tuple[dict[str, Any], list[int]]:
    header, streams, _, _ = socket.recv_fds(connection, 8, 3)
    size = int.from_bytes(header, "big")
    payload = b""
    while len(payload) < size:
        payload += connection.recv(size - len(payload))
    return json.loads(payload), streams


def _become(request: dict[str, Any], streams: list[int]) -> None:
    """In the child: take the request's streams, directory, environment and arguments."""
    for target, stream in enumerate(streams):
        os.dup2(stream, target)
    for stream in streams:
        if stream > 2:
            os.close(stream)
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    sys.argv = request["argv"]
    moto_random = sys.modules.get("moto.moto_api._internal")
    if moto_random is not None:  # seeded at import, in the parent: ids would repeat
        moto_random.mock_random.seed()
    # As `python -c` puts the working directory first on the path (`-m` its absolute path).
    sys.path[0] = "" if request["code"] is not None else os.getcwd()


def _read_client_models() -> None:
    """Make a client of each service and drop it: what botocore read to make it (the
    service's model and endpoint rules) stays in the loader every session of a process
    shares (ecs_scheduler.engines.aws.clients), so each child has it instead of reading it."""
    from ecs_scheduler.engines.aws.clients import AwsClients

    clients = AwsClients.create(region="us-east-1", endpoint_url="http://127.0.0.1:9")
    for service in _SERVICES:
        clients.client(service)


def _warm_the_emulator() -> None:
    """Do once what each child starting an emulator would do again on its first requests:
    make moto's server app of each service and drop it (the first one a process makes costs
    0.28 s of imports and caches, the next ones 0.01 s), and read each service's model into
    the cache moto's server parses requests with (moto.core.utils.get_service_model: 0.22 s
    for the five services a first provisioning reads)."""
    from moto.core.utils import get_service_model
    from moto.moto_server.werkzeug_app import create_backend_app

    for service in _SERVICES:
        create_backend_app(service)
        get_service_model(service)


def _main() -> None:
    if sys.argv[1] == "--relay":
        _relay(sys.argv[2], Path(sys.argv[3]), sys.argv[4:])
        return
    path, *modules = sys.argv[1:]
    import importlib

    for name in modules:
        importlib.import_module(name)
    if "ecs_scheduler.engines.aws.clients" in modules:
        _read_client_models()
    if "moto.server" in modules:
        _warm_the_emulator()
    # fork() copies only the calling thread: a thread started by an import would be lost.
    assert threading.active_count() == 1, threading.enumerate()
    import gc

    # Out of the collector's sight: a child's collections (and its exit, which collects)
    # would otherwise touch, and so copy, every page of the parent's objects (gc.freeze's
    # documentation); the exit of a child that ran `local` took twice as long.
    gc.freeze()
    # Ctrl-C at a terminal reaches the whole process group; the parent ends with the test
    # process instead (each child takes Python's own handler back).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    listener = socket.socket(socket.AF_UNIX)
    listener.bind(path)
    listener.listen()
    print("ready", flush=True)
    request, streams = _serve(listener)

    # A child.
    signal.signal(signal.SIGINT, signal.default_int_handler)  # as in a fresh interpreter
    _become(request, streams)
    _shut_down(*_run(request))


def _run(request: dict[str, Any]) -> tuple[int, bool]:
    """Run the child's prelude and command; return the exit status a fresh interpreter would
    have (an uncaught exception printed as it prints it) and whether a Ctrl-C ended it."""
    try:
        exec(compile(request["prelude"], "<prelude>", "exec"), {"__name__": "__prelude__"})
        if request["module"] is not None:
            import runpy

            runpy.run_module(request["module"], run_name="__main__", alter_sys=True)
        else:
            exec(compile(request["code"], "<string>", "exec"), {"__name__": "__main__"})
    except SystemExit as exit_:  # as CPython's _Py_HandleSystemExit reads it
        if exit_.code is None or isinstance(exit_.code, int):
            return exit_.code or 0, False
        print(exit_.code, file=sys.stderr)
        return 1, False
    except BaseException as uncaught:  # printed, as the interpreter prints it
        # Without this function's frame: the traceback starts in the child's code.
        shown = uncaught.with_traceback(uncaught.__traceback__.tb_next)  # type: ignore[union-attr]
        sys.excepthook(type(shown), shown, shown.__traceback__)
        return 1, isinstance(uncaught, KeyboardInterrupt)
    return 0, False


def _shut_down(status: int, interrupted: bool) -> None:
    """End the child as the interpreter ends, up to the point where only memory is freed:
    join non-daemon threads, run the atexit handlers, flush the standard streams (120 if that
    fails), then exit, or die of SIGINT after an uncaught Ctrl-C (CPython's Py_FinalizeEx
    and Py_RunMain, in that order).

    What is skipped is tearing down every module and object, which writes to (so copies)
    each page this child shares with the parent: 90 ms a command, most of a short one.
    """
    try:
        threading._shutdown()  # type: ignore[attr-defined]
    except BaseException:  # reported, as the interpreter reports it, and gone on from
        import traceback

        print(f"Exception ignored in: {threading!r}", file=sys.stderr)
        traceback.print_exc()
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            if stream is not None and not stream.closed:
                stream.flush()
        except Exception:  # the interpreter's own status for it
            status = 120
    if interrupted:
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGINT)
    os._exit(status)


if __name__ == "__main__":
    _main()
