"""Start-up cost of ``ecs-scheduler validate`` against a bare ``import yaml, pydantic``.

Run: ``python benchmarks/startup.py [--rounds N]``. Each round starts, in turn, a fresh
interpreter for each command below (so the machine's load falls on all of them alike) and
measures the CPU time it used (user + system, from the kernel's accounting of the child),
which other processes on a busy machine disturb far less than wall time; wall time is shown
too. The report gives the best and the median of the rounds, in milliseconds, and the ratio
of each command to the bare import. Commands:

- ``python -c pass``: the interpreter alone;
- ``python -c "import yaml, pydantic"``: the libraries validate cannot do without (bare);
- ``pydantic's BaseModel``: the same, and the ``BaseModel`` class, which ``import pydantic``
  leaves for first use (pydantic imports lazily). It builds no model: the first model a
  program builds costs more (see below);
- ``config models``: importing the config's pydantic models, the floor of every command that
  reads a stack file;
- ``validate``: the CLI entry point validating examples/daily-report.yaml, as a user runs it;
- ``validate --json``: the same, printing JSON.

The interpreters read compiled bytecode, as an installed package's do: a warm-up run writes it
to a temporary ``PYTHONPYCACHEPREFIX`` (so nothing lands in the source tree), even where the
environment sets ``PYTHONDONTWRITEBYTECODE``; otherwise every round would compile the project.

To see where the time goes: ``python -X importtime -c "from ecs_scheduler.cli import main;
main()" validate -c examples/daily-report.yaml 2> imports.txt``.
This is a benchmark, not a test: it never fails on time.

Where validate stands, and what it cannot go below. Measured on the project's 2-core machine
(Python 3.11.7, pydantic 2.14, typer 0.28.0), CPU best of 15 rounds, the same commands run by
hand where they are not in the list above:

- bare: 62-65 ms; pydantic's ``BaseModel``: 90-95 ms (1.45-1.5x);
- a program that defines a model of one ``int`` field and validates ``{"x": 1}``: 135-139 ms
  (2.1-2.2x). Building the first model imports what ``import pydantic`` left out
  (``pydantic.fields`` and ``pydantic.types``, about 17 ms) and pydantic's plugin loader,
  which imports ``importlib.metadata`` (and with it ``email``, ``zipfile``, ``csv``: about
  20 ms) and reads the entry points of every installed distribution (about 5 ms with this
  environment's 96). No program that validates with a pydantic model starts in under 2x the
  bare import, so neither can ``validate``. ``PYDANTIC_DISABLE_PLUGINS`` skips only the
  reading of the entry points, not the import; and turning off the plugins a user installed
  would change what they observe;
- the same program importing typer, as the CLI does: 155 ms (2.4-2.5x);
- config models: 157-165 ms (2.5x); validate: 196-205 ms (3.15-3.2x), validate --json about
  the same.

Above that floor with typer, validate spends about 45 ms. In one process (CPU of each part with
``time.process_time``, best of 9 runs), validate takes about 60 ms more than the floor program:

- importing typer, 13 ms, and typer building and parsing the one command, 2 ms;
- 32 dataclasses, 18 ms: Python 3.11 compiles each one's methods (six for a frozen one) when
  the class is made, about 0.5 ms a class. Validating the example makes instances of all but
  eight of them, and those eight live in modules it needs;
- the 13 config models, 9 ms (a third of it Job's 48 fields), and the ``TypeAdapter`` of the
  tag characters, 1 ms (compiling its Unicode pattern, which every file needs: the naming
  fields are tags);
- finding and loading the bytecode of the project's 22 modules, 3-4 ms;
- reading, checking and building the example, 3.5 ms (1 ms of it only for a process's first
  file, most of that compiling regular expressions on first use);
- ``json``, 1.5 ms (building the desired state uses it), and the AWS commands' signatures,
  whose annotations ``aws_command`` evaluates when the module is imported, 1 ms;
- the rest, about 9 ms, in the modules' other definitions (regular expressions, typer's
  options, names imported from pydantic...), none above 0.7 ms.

Of all this, the cyclic garbage collector takes 3 ms more than in the floor program (more
objects are made). An invalid file's errors are printed by rich, which validate then imports:
about 18 ms more (``--json`` prints without it).

Done so far: the run builds only the command it names, and the models' empty defaults are
functions, not builtins, whose signature pydantic parses from text (validate 229-241 ms, then
217-224 with typer 0.29.2); the config models' annotations are objects, not text (config.py
has no ``from __future__ import annotations``), which pydantic evaluated one by one: 2 ms of
the models' 10. Measured and left as they are, for saving 1 ms or less, or for a cost elsewhere:
``defer_build`` on the models (validate needs every one of them: on all, the same work moves
to the first validation; on all but Job and Stack, it moves into Job's, saving 0.5 ms),
building the rule checks' ``TypeAdapter`` s on first use (most are used on a valid file), the
validator wrappers of the rules on single values (dropping all of them, rules and all, saves
under 1 ms), signatures of the AWS commands made on first use (1 ms; it takes a callable
object standing in for each command), docstrings on the five dataclasses without one (Python 3.11
makes their ``__doc__`` from their signature: 0.08 ms each), and a collector tuned for
start-up (it would change the memory of the long commands too).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "daily-report.yaml"
CLI = "from ecs_scheduler.cli import main; main()"
COMMANDS: dict[str, list[str]] = {
    "python -c pass": ["-c", "pass"],
    "import yaml, pydantic": ["-c", "import yaml, pydantic"],
    "pydantic's BaseModel": ["-c", "import yaml, pydantic; pydantic.BaseModel"],
    "config models": ["-c", "import ecs_scheduler.config"],
    "validate": ["-c", CLI, "validate", "-c", str(EXAMPLE)],
    "validate --json": ["-c", CLI, "validate", "-c", str(EXAMPLE), "--json"],
}
BARE = "import yaml, pydantic"


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def bytecode_environment(cache: str) -> dict[str, str]:
    """The environment, with bytecode written to and read from ``cache``."""
    environment = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    return {**environment, "PYTHONPYCACHEPREFIX": cache}


def run_once(arguments: list[str], environment: dict[str, str]) -> tuple[float, float]:
    """(CPU seconds, wall seconds) of one interpreter, from start to exit."""
    cpu, begun = _children_cpu(), time.perf_counter()
    completed = subprocess.run(
        [sys.executable, *arguments],
        capture_output=True,
        check=False,
        timeout=120,
        env=environment,
    )
    wall = time.perf_counter() - begun
    if completed.returncode != 0:
        raise SystemExit(f"{arguments} failed:\n{completed.stderr.decode()}")
    return _children_cpu() - cpu, wall


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--rounds", type=int, default=15, help="runs of each command")
    rounds = parser.parse_args().rounds
    cpu: dict[str, list[float]] = {name: [] for name in COMMANDS}
    wall: dict[str, list[float]] = {name: [] for name in COMMANDS}
    with tempfile.TemporaryDirectory(prefix="startup-bytecode-") as cache:
        environment = bytecode_environment(cache)
        for arguments in COMMANDS.values():  # warm-up: writes the bytecode
            run_once(arguments, environment)
        for _ in range(rounds):
            for name, arguments in COMMANDS.items():
                used, elapsed = run_once(arguments, environment)
                cpu[name].append(used)
                wall[name].append(elapsed)
    print(f"Python {sys.version.split()[0]}; {rounds} rounds; milliseconds, start to exit\n")
    print(
        f"{'command':24} {'CPU best':>9} {'median':>7} {'best/bare':>10} {'median/bare':>12}"
        f" {'wall best':>10} {'median':>7}"
    )
    bare_best, bare_median = min(cpu[BARE]), statistics.median(cpu[BARE])
    for name in COMMANDS:
        best, median = min(cpu[name]), statistics.median(cpu[name])
        print(
            f"{name:24} {best * 1000:9.0f} {median * 1000:7.0f} {best / bare_best:9.2f}x"
            f" {median / bare_median:11.2f}x {min(wall[name]) * 1000:10.0f}"
            f" {statistics.median(wall[name]) * 1000:7.0f}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
