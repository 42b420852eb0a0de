"""Every code block of README.md and docs/*.md is run or checked, so the docs cannot rot.

The convention (also in docs/local.md, "Code blocks in the docs"), by the block's info string:

- ``python``: the python blocks of one page run as one script, in order, in a process of
  their own, after the page's shell blocks.
- ``sh``, ``shell``, ``bash``, ``console``: each command (``\\`` continuations joined, comments
  dropped, ``&&`` split) in order; in ``console`` blocks only the ``$ `` lines are commands,
  the rest is their output. ``ecs-scheduler …`` runs and must exit 0, or 0 or 2 with
  ``--detailed-exitcode``, or N when its comment says ``exits N``; a command that serves
  until Ctrl-C (``local``, ``demo --keep``) gets SIGINT once it prints its ready line and
  must then exit 0.
  ``export`` and ``cd`` carry over to the following commands of the block. ``make T`` checks
  that the Makefile has target T (the targets build virtualenvs and run the suite);
  ``pip install DIR`` checks that DIR is this project. Any other command runs too, unless the
  info string also says ``no-run`` (``sh no-run``): then it is shown, not run (it needs an
  AWS account or a tool the tests do not drive), and the block's ecs-scheduler commands still
  run.
- ``yaml``: must parse, and a whole stack file (top-level ``stack`` and ``jobs``) must
  validate; ``yaml fragment`` is a piece of a larger file and is not checked.
- anything else (``text``, ``hcl``, no info string): output or layout, not code.

Everything runs in a temporary directory holding ``ecs-scheduler.yaml`` (the quickstart) and
``examples/``, all rewritten to prerequisites created in the embedded emulator, with
``AWS_ENDPOINT_URL`` and dummy credentials pointing every command there.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import signal
import subprocess
import tempfile
import threading
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import takewhile
from pathlib import Path

import pytest
import yaml

import ecs_scheduler
from ecs_scheduler.cli import READY_LINE
from ecs_scheduler.loader import loads
from ecs_scheduler.local import emulator_environment
from tests.conftest import REPO_ROOT, EmulatedAccount
from tests.prewarmed import Prewarmed, devnull, shared

# Pages whose examples need a deployed stack with state of its own (dead letters, running
# tasks) run in a test that prepares it; every other page runs here.
OWN_RUNNERS = {"operations.md": REPO_ROOT / "tests" / "cli" / "test_operations_docs.py"}
DOCS = [
    page
    for page in [REPO_ROOT / "README.md", *sorted((REPO_ROOT / "docs").glob("*.md"))]
    if page.name not in OWN_RUNNERS
]
SHELL = {"sh", "shell", "bash", "console"}
NO_RUN = "no-run"
FRAGMENT = "fragment"
COMMAND_TIMEOUT = 120
FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})(?P<info>[^`]*)$")


@dataclass(frozen=True)
class Block:
    path: Path
    line: int  # of the opening fence, 1-based
    language: str
    markers: frozenset[str]
    text: str

    def __str__(self) -> str:
        return f"{self.path.relative_to(REPO_ROOT)}:{self.line}"


def code_blocks(path: Path) -> Iterator[Block]:
    """The fenced blocks of a Markdown file, with the fence's indentation removed."""
    lines = path.read_text(encoding="utf-8").splitlines()
    index = 0
    while index < len(lines):
        opening = FENCE.match(lines[index])
        index += 1
        if opening is None:
            continue
        opening_line = index
        indent, fence = opening["indent"], opening["fence"]
        words = opening["info"].split()
        body: list[str] = []
        while index < len(lines):
            line = lines[index]
            index += 1
            if line.strip().startswith(fence) and set(line.strip()) == {fence[0]}:
                break
            body.append(line[len(indent) :] if line.startswith(indent) else line.lstrip())
        yield Block(
            path=path,
            line=opening_line,
            language=words[0].lower() if words else "",
            markers=frozenset(words[1:]),
            text="\n".join(body) + "\n",
        )


@dataclass(frozen=True)
class Command:
    text: str
    exit_codes: frozenset[int]  # what the docs say it exits with


def shell_commands(text: str, *, prompted: bool = False) -> Iterator[Command]:
    """The commands of a shell block; with ``prompted`` (console), only the ``$ `` lines."""
    joined = re.sub(r"[ \t]*\\\n[ \t]*", " ", text)
    for line in joined.splitlines():
        if prompted and not line.startswith("$ "):
            continue  # the output of the command before
        comment = re.search(r"(?:^|\s)#(.*)$", line)
        said = re.search(r"\bexits? (\d+)\b", comment.group(1)) if comment else None
        uncommented = line[: comment.start()] if comment else line
        for part in uncommented.strip().removeprefix("$ ").split("&&"):
            if not part.strip():
                continue
            if said:
                codes = {int(said.group(1))}
            elif "--detailed-exitcode" in part:
                codes = {0, 2}
            else:
                codes = {0}
            yield Command(part.strip(), frozenset(codes))


@pytest.fixture(scope="module")
def python() -> Prewarmed:
    """Each `ecs-scheduler` and each page's Python is forked from a Python that imported the
    CLI and the emulator once (tests/prewarmed.py), not started and importing anew."""
    return shared()


@pytest.fixture
def sandbox(
    emulated_account: EmulatedAccount, tmp_path: Path, python: Prewarmed
) -> tuple[Path, dict[str, str]]:
    """A directory and environment where every documented command works on the emulator."""
    work = tmp_path / "work"
    (work / "examples").mkdir(parents=True)
    for stem, config in emulated_account.configs.items():
        shutil.copy(config, work / "examples" / f"{stem}.yaml")
    shutil.copy(emulated_account.configs["daily-report"], work / "ecs-scheduler.yaml")
    shim = tmp_path / "bin"
    shim.mkdir()
    python.command(shim)
    source = str(Path(ecs_scheduler.__file__).resolve().parents[1])
    environment = {
        **os.environ,
        **emulator_environment(emulated_account.endpoint_url),
        "AWS_DEFAULT_REGION": "us-east-1",
        "PATH": f"{shim}{os.pathsep}{os.environ['PATH']}",
        "PYTHONPATH": os.pathsep.join(filter(None, [source, os.environ.get("PYTHONPATH")])),
        "COLUMNS": "200",
    }
    return work, environment


def run_ecs_scheduler(command: Command, cwd: Path, environment: dict[str, str]) -> None:
    """Run one documented command; a serving one is interrupted once it says it is ready."""
    process = subprocess.Popen(
        ["bash", "-c", command.text],
        cwd=cwd,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    timer = threading.Timer(COMMAND_TIMEOUT, process.kill)
    timer.start()
    try:
        assert process.stdout is not None
        stdout: list[str] = []
        for line in process.stdout:
            stdout.append(line)
            if line.strip() == READY_LINE and stdout.count(line) == 1:
                os.killpg(process.pid, signal.SIGINT)
        stderr = process.stderr.read() if process.stderr else ""
        code = process.wait()
    finally:
        timer.cancel()
    assert code in command.exit_codes, (
        f"{command.text!r} exited {code}:\n{''.join(stdout)}\n{stderr}"
    )


def check_make(command: list[str]) -> None:
    makefile = (REPO_ROOT / "Makefile").read_text(encoding="utf-8")
    targets = set(re.findall(r"^([A-Za-z0-9_.-]+):", makefile, re.MULTILINE))
    for target in (word for word in command[1:] if not word.startswith("-") and "=" not in word):
        assert target in targets, f"make {target}: no such target in the Makefile"


def check_pip_install(command: list[str], cwd: Path) -> None:
    assert command[:2] == ["pip", "install"], command
    directory = re.sub(r"\[.*\]$", "", command[-1])  # ".[dev]" installs "." with extras
    # The docs' "." is this repository: the sandbox stands in for the user's working copy.
    project = REPO_ROOT if directory in {".", "./"} else cwd / directory
    pyproject = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))
    assert "ecs-scheduler" in pyproject["project"]["scripts"]


def run_shell_block(block: Block, work: Path, environment: dict[str, str]) -> None:
    cwd, env = work, dict(environment)
    for command in shell_commands(block.text, prompted=block.language == "console"):
        words = shlex.split(command.text)
        assignments = list(
            takewhile(lambda word: re.fullmatch(r"[A-Z_][A-Z0-9_]*=.*", word) is not None, words)
        )
        program = words[len(assignments)] if len(words) > len(assignments) else ""
        if program == "export":
            env.update(word.split("=", 1) for word in words[1:] if "=" in word)
        elif program == "cd":
            cwd = (cwd / words[1]).resolve()
            assert cwd.is_dir(), f"{block}: cd {words[1]}: no such directory"
        elif program == "ecs-scheduler":
            run_ecs_scheduler(command, cwd, env)
        elif program == "make":
            check_make(words)
        elif program == "pip":
            check_pip_install(words, cwd)
        elif NO_RUN not in block.markers:
            completed = subprocess.run(
                ["bash", "-c", command.text],
                cwd=cwd,
                env=env,
                capture_output=True,
                text=True,
                timeout=COMMAND_TIMEOUT,
                check=False,
            )
            assert completed.returncode in command.exit_codes, (
                f"{block}: {command.text!r} exited {completed.returncode} (mark the block "
                f"'{NO_RUN}' if it needs an AWS account):\n{completed.stdout}{completed.stderr}"
            )


def check_yaml_block(block: Block) -> None:
    if FRAGMENT in block.markers:
        return
    document = yaml.safe_load(block.text)
    if isinstance(document, dict) and {"stack", "jobs"} <= document.keys():
        loads(block.text, filename=str(block))


def run_python_blocks(
    python: Prewarmed, blocks: list[Block], work: Path, environment: dict[str, str]
) -> None:
    script = "\n".join(f"# {block}\n{block.text}" for block in blocks)
    with tempfile.TemporaryFile() as stderr, devnull() as nothing:
        child = python.start(
            [],
            code=script,
            stdin=nothing,
            stdout=nothing,
            stderr=stderr,
            cwd=work,
            env=environment,
        )
        code = child.wait(timeout=COMMAND_TIMEOUT)
        stderr.seek(0)
        assert code == 0, (
            f"the python blocks of {blocks[0].path.name} failed:\n{stderr.read().decode()}"
        )


@pytest.mark.parametrize("page", DOCS, ids=lambda path: path.name)
def test_every_code_block_runs(
    page: Path, sandbox: tuple[Path, dict[str, str]], python: Prewarmed
) -> None:
    work, environment = sandbox
    python_blocks: list[Block] = []
    for block in code_blocks(page):
        if block.language == "python":
            python_blocks.append(block)
        elif block.language in SHELL:
            run_shell_block(block, work, environment)
        elif block.language in {"yaml", "yml"}:
            check_yaml_block(block)
    if python_blocks:
        run_python_blocks(python, python_blocks, work, environment)


@pytest.mark.parametrize("page", sorted(OWN_RUNNERS))
def test_pages_left_to_their_own_runner_are_run_there(page: str) -> None:
    runner = OWN_RUNNERS[page]
    assert (REPO_ROOT / "docs" / page).is_file()
    assert page in runner.read_text(encoding="utf-8")


def test_the_block_reader_finds_fences_commands_and_markers(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text(
        "text\n"
        "```sh no-run\n"
        "ecs-scheduler plan \\\n"
        "  -c a.yaml   # why\n"
        "cd x && make test\n"
        "```\n"
        "- item\n"
        "  ```python\n"
        "  print(1)\n"
        "  ```\n"
        "```\n"
        "output\n"
        "```\n",
        encoding="utf-8",
    )
    blocks = list(code_blocks(page))
    assert [(block.line, block.language, block.markers) for block in blocks] == [
        (2, "sh", frozenset({NO_RUN})),
        (8, "python", frozenset()),
        (11, "", frozenset()),
    ]
    assert blocks[1].text == "print(1)\n"
    assert [command.text for command in shell_commands(blocks[0].text)] == [
        "ecs-scheduler plan -c a.yaml",
        "cd x",
        "make test",
    ]


def test_shell_commands_read_prompts_and_documented_exit_codes() -> None:
    console = (
        "$ ecs-scheduler validate -c bad.yaml   # exits 1: the file has errors\n"
        "bad.yaml:3:5: jobs.x.task_name: required field is missing\n"
        "$ ecs-scheduler plan --detailed-exitcode\n"
    )
    assert list(shell_commands(console, prompted=True)) == [
        Command("ecs-scheduler validate -c bad.yaml", frozenset({1})),
        Command("ecs-scheduler plan --detailed-exitcode", frozenset({0, 2})),
    ]
