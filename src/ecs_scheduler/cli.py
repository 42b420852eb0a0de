"""The ``ecs-scheduler`` command: parse arguments, call the library, render the result.

No business logic lives here. Every user-facing error is an ``EcsSchedulerError`` printed as
clear text with exit code 1; anything else is a bug, shown with its traceback only under
``--debug``. The AWS engine (and so boto3) is imported only by the commands that talk to AWS,
which keeps ``validate``, ``next`` and ``schema`` fast.
"""

from __future__ import annotations

import copy
import functools
import inspect
import json
import os
import re
import signal
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn, cast
from zoneinfo import ZoneInfo

import typer

from ecs_scheduler import __version__
from ecs_scheduler.errors import EcsSchedulerError

if TYPE_CHECKING:
    from rich.console import Console
    from rich.progress import Progress

    from ecs_scheduler.engines.aws import ApplyResult, AwsClients, Change, Plan
    from ecs_scheduler.engines.aws.retire import RetireChange
    from ecs_scheduler.loader import LoadResult
    from ecs_scheduler.migration.leftovers import Leftovers
    from ecs_scheduler.operations.status import StatusReport
    from ecs_scheduler.operations.upcoming import UpcomingRuns
    from ecs_scheduler.resources import DesiredState
    from ecs_scheduler.validation import ValidationReport

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_CHANGES = 2
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as a shell reports a process ended by Ctrl-C
# typer bundles its own copy of click since 0.26 (earlier releases used click's package), so
# ``click.ClickException`` is not what it raises: the base of ``typer.BadParameter`` always is.
CLICK_EXCEPTION: type[Exception] = next(
    base for base in typer.BadParameter.__mro__ if base.__name__ == "ClickException"
)


class _LazyConsole:
    """A rich ``Console`` made on first use: importing rich takes longer than all of
    ``validate``, which prints without it (benchmarks/startup.py)."""

    def __init__(self, **options: Any) -> None:
        self._options = options
        self._console: Console | None = None

    @property
    def console(self) -> Console:
        """The console itself, for rich objects that take one (``Progress(console=...)``)."""
        if self._console is None:
            from rich.console import Console

            self._console = Console(**self._options)
        return self._console

    def __getattr__(self, name: str) -> Any:
        return getattr(self.console, name)


def real_console(console: Console) -> Console:
    """``out`` or ``err`` as the rich Console itself."""
    return cast("_LazyConsole", console).console if isinstance(console, _LazyConsole) else console


# Markup is ours alone: every value from the config or from AWS goes through ``escape``, and
# emoji codes are off, so that ``[daily]`` or ``team:b:prod`` print as written.
out = cast("Console", _LazyConsole(highlight=False, soft_wrap=True, emoji=False))
err = cast("Console", _LazyConsole(stderr=True, highlight=False, soft_wrap=True, emoji=False))


def escape(text: str) -> str:
    """``text`` with rich markup escaped, to print a user's value as written."""
    from rich.markup import escape as escape_markup

    return escape_markup(text)


app = typer.Typer(
    name="ecs-scheduler",
    help=(
        "Scheduled ECS tasks on AWS EventBridge Scheduler, secure by default: "
        "validate, preview, export, plan and apply one YAML file of jobs."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)
export_app = typer.Typer(help="Write the stack as files for another engine.", no_args_is_help=True)
app.add_typer(export_app, name="export")


class UsageError(EcsSchedulerError):
    """A command-line argument the library cannot act on."""


class BlockedError(EcsSchedulerError):
    """Some of the config cannot converge: resources were left alone (a name someone else's
    resource holds, a dead-letter queue that received messages)."""

    def __init__(self, count: int, *, applied: bool) -> None:
        done = "the rest was applied" if applied else "apply would write the rest"
        super().__init__(
            f"{count} resource(s) were left alone, with every other resource of their job, "
            "each listed above with why (a name held without its ownership tags, or AWS "
            f"changed after the plan); {done}. Resolve what is listed, then run again."
        )


class CutoverRefusedError(EcsSchedulerError):
    """A job's old schedule or rule cannot be retired now, so its new schedules were held back:
    the run did not do what the config asks, which scripts must be able to see."""

    def __init__(self, refused: Sequence[RetireChange]) -> None:
        jobs = ", ".join(sorted({change.job for change in refused}))
        super().__init__(
            f"{len(refused)} cut-over(s) refused (job {jobs}): the new schedules were not "
            "created, the old ones keep running; run apply again at the moment each retire "
            "line above names."
        )


ConfigOption = Annotated[
    Path,
    typer.Option("--config", "-c", help="The stack file.", show_default=True),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print stable JSON instead of text.")]
ProfileOption = Annotated[
    str | None, typer.Option("--profile", help="AWS profile of the shared config files.")
]
RegionOption = Annotated[
    str | None,
    typer.Option("--region", help="AWS region (default: the region of the clusters' ARNs)."),
]
EndpointOption = Annotated[
    str | None,
    typer.Option(
        "--endpoint-url",
        envvar="AWS_ENDPOINT_URL",
        help="Send every AWS call here (LocalStack, moto's server); also AWS_ENDPOINT_URL.",
    ),
]
AutoApproveOption = Annotated[
    bool, typer.Option("--auto-approve", help="Do not ask for confirmation.")
]
ForceDlqOption = Annotated[
    bool,
    typer.Option(
        "--force-delete-dlq-messages",
        help="Allow deleting dead-letter queues that still hold messages (the messages are lost).",
    ),
]
TimeoutOption = Annotated[
    float,
    typer.Option(
        "--timeout",
        envvar="ECS_SCHEDULER_TIMEOUT",
        min=1,
        metavar="SECONDS",
        help="Give up when AWS has not finished after this many seconds; also "
        "ECS_SCHEDULER_TIMEOUT.",
    ),
]
ParallelismOption = Annotated[
    int,
    typer.Option("--parallelism", min=1, metavar="N", help="Make at most N AWS calls at once."),
]
PruneForeignOption = Annotated[
    bool,
    typer.Option(
        "--prune-foreign",
        help="Also remove jobs of this stack name that another config's resource owner made.",
    ),
]
AdoptOption = Annotated[
    bool,
    typer.Option(
        "--adopt",
        help="Take over resources under the config's names that lack this stack's ownership "
        "tags (never one another stack or owner tagged): tag them and converge them.",
    ),
]
AllowUnwiredAlertsOption = Annotated[
    bool,
    typer.Option(
        "--allow-unwired-alerts",
        help="Go on when a task-failure alert could not be delivered (an SNS topic's or its "
        "key's policy does not let EventBridge publish): warn instead of refusing.",
    ),
]
DEFAULT_CONFIG = Path("ecs-scheduler.yaml")
DEFAULT_TIMEOUT_SECONDS = 1800.0
DEFAULT_PARALLELISM = 16


@dataclass(frozen=True)
class Connection:
    """The options every AWS command takes: the stack file, and how to reach AWS."""

    config: Path
    profile: str | None
    region: str | None
    endpoint_url: str | None
    timeout: float | None  # the command's deadline in seconds; None: the command bounds itself

    def open(
        self, loaded: LoadResult | None = None, *, parallelism: int = DEFAULT_PARALLELISM
    ) -> tuple[DesiredState, AwsClients]:
        """The stack's desired state, and clients for its region (``loaded``: the stack file
        already read by the caller)."""
        from ecs_scheduler.engines.aws.workflow import connect

        desired = build_desired(loaded or load_config(self.config))
        clients = connect(
            desired,
            region=self.region,
            profile=self.profile,
            endpoint_url=self.endpoint_url,
            deadline_seconds=self.timeout,
            parallelism=parallelism,
        )
        return desired, clients


CONNECTION_OPTIONS: tuple[inspect.Parameter, ...] = tuple(
    inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=option)
    for name, option, default in (
        ("config", ConfigOption, DEFAULT_CONFIG),
        ("profile", ProfileOption, None),
        ("region", RegionOption, None),
        ("endpoint_url", EndpointOption, None),
        ("timeout", TimeoutOption, DEFAULT_TIMEOUT_SECONDS),
    )
)


def aws_command(command: Callable[..., None]) -> Callable[..., None]:
    """``command`` with the connection options, handed to it as one ``connection`` argument.

    A command that declares its own ``timeout`` keeps it, and its connection has no deadline.
    """
    signature = inspect.signature(command, eval_str=True)
    own = [p for p in signature.parameters.values() if p.name != "connection"]
    added = [p for p in CONNECTION_OPTIONS if p.name not in signature.parameters]

    @functools.wraps(command)
    def with_connection(**options: Any) -> None:
        taken = {p.name: options.pop(p.name) for p in added}
        command(connection=Connection(**{"timeout": None, **taken}), **options)

    parameters = [*own, *added]
    with_connection.__signature__ = signature.replace(parameters=parameters)  # type: ignore[attr-defined]
    with_connection.__annotations__ = {p.name: p.annotation for p in parameters}
    return with_connection


# --------------------------------------------------------------------------- shared steps


def load_config(path: Path) -> LoadResult:
    """Load and validate the stack file, printing its warnings to stderr."""
    from ecs_scheduler.loader import load

    result = load(path)
    print_warnings(result.warnings)
    return result


def print_warnings(warnings: Iterable[object]) -> None:
    for warning in warnings:
        err.print(f"[yellow]warning:[/] {escape(str(warning))}")


def build_desired(result: LoadResult) -> DesiredState:
    from ecs_scheduler.resources import build

    return build(result.stack)


@contextmanager
def interrupts_stop_calls(clients: AwsClients) -> Iterator[None]:
    """Ctrl-C as terraform handles it: the first starts no new AWS call and lets the calls in
    flight finish (the command then ends with exit code 130); the second exits at once."""
    from ecs_scheduler.engines.aws import ApplyInterruptedError, InterruptedByUserError

    if threading.current_thread() is not threading.main_thread():
        yield  # only the main thread may handle signals
        return
    received = 0

    def on_interrupt(signum: int, frame: object) -> None:
        nonlocal received
        received += 1
        if received == 1:
            err.print(
                "Interrupt received: starting no new AWS calls, waiting for the calls in "
                "flight to finish (press Ctrl-C again to exit at once).",
                markup=False,
            )
            clients.guard.stop()
        else:
            err.print(
                "Two interrupts received: exiting now; calls in flight may still take effect, "
                "run the command again to converge.",
                markup=False,
            )
            os._exit(EXIT_INTERRUPTED)  # nothing may wait: threads are still in their calls

    previous = signal.signal(signal.SIGINT, on_interrupt)
    try:
        yield
    except ApplyInterruptedError:
        raise
    except InterruptedByUserError:
        stopped = "Interrupted while reading AWS: nothing was changed."
        raise InterruptedByUserError(stopped) from None
    finally:
        signal.signal(signal.SIGINT, previous)


def parse_instant(text: str | None) -> datetime:
    if text is None:
        return datetime.now(UTC)
    try:
        instant = datetime.fromisoformat(text)
    except ValueError:
        # A malformed option value is a usage error (exit 2), as click reports its own.
        raise typer.BadParameter(
            f"{text!r} is not an ISO-8601 date-time (e.g. 2026-03-08T00:00:00Z)"
        ) from None
    return instant if instant.tzinfo else instant.replace(tzinfo=UTC)


def check_instant(text: str | None) -> str | None:
    parse_instant(text)
    return text


JSON_WRITE_CHARS = 1 << 13


def print_json(data: Any) -> None:
    """``data`` as indented JSON on stdout, streamed: no rich, never the whole text at once.

    The encoder's pieces are a few characters each; writing them in batches of 8 Ki is 4x
    faster than one write per piece (``json.dump``) and holds no copy of the document.
    """
    encoder = json.JSONEncoder(indent=2, default=str, ensure_ascii=False)
    batch: list[str] = []
    size = 0
    for piece in encoder.iterencode(data):
        batch.append(piece)
        size += len(piece)
        if size >= JSON_WRITE_CHARS:
            sys.stdout.write("".join(batch))
            batch, size = [], 0
    batch.append("\n")
    sys.stdout.write("".join(batch))
    sys.stdout.flush()


# --------------------------------------------------------------------------- offline commands


@app.command()
def validate(
    config: ConfigOption = DEFAULT_CONFIG,
    as_json: JsonOption = False,
) -> None:
    """Check the whole stack file offline; report every error with file:line:col and field."""
    from ecs_scheduler.validation import validate as validate_file

    report = validate_file(config)
    if as_json:
        print_json(report.to_json())
        if not report.valid:
            raise typer.Exit(EXIT_ERROR)
        return
    render_validation(report)


def render_validation(report: ValidationReport) -> None:
    """The warnings, then one line saying the file is valid; an invalid file is its error."""
    from ecs_scheduler.loader import ConfigError

    if not isinstance(report.failure, ConfigError):  # the config's errors are shown alone
        print_warnings(report.warnings)
    if report.failure is not None:
        raise report.failure
    # click's echo and style (colour on a terminal only), not rich: see _LazyConsole.
    typer.echo(
        f"{typer.style('✓', fg='green')} {report.path}: stack"
        f" {typer.style(report.stack or '', bold=True)} is valid — "
        f"{len(report.jobs)} job(s), {report.schedules} schedule(s), "
        f"{report.resources} resource(s)"
    )


@app.command(name="next")
def next_runs(
    target: Annotated[
        str | None,
        typer.Argument(metavar="[JOB[/SCHEDULE]]", help="Limit to one job or one schedule."),
    ] = None,
    count: Annotated[
        int, typer.Option("-n", "--count", min=1, max=1000, help="Fire times per schedule.")
    ] = 5,
    start: Annotated[
        str | None,
        typer.Option(
            "--from",
            callback=check_instant,
            help=(
                "ISO-8601 instant to start after (default: now). Without an offset it is UTC: "
                "2026-03-08T00:00:00 means 2026-03-08T00:00:00Z."
            ),
        ),
    ] = None,
    config: ConfigOption = DEFAULT_CONFIG,
    as_json: JsonOption = False,
) -> None:
    """Upcoming fire times of each schedule, local and UTC, with a plain-English description.

    Times a daylight-saving change skips, repeats or moves are marked.
    """
    from ecs_scheduler.operations.upcoming import upcoming_runs

    after = parse_instant(start)
    schedules = upcoming_runs(load_config(config).stack, after=after, count=count, target=target)
    if as_json:
        print_json([runs.to_json() for runs in schedules])
        return
    render_upcoming(schedules, after)


def render_upcoming(schedules: Sequence[UpcomingRuns], after: datetime) -> None:
    """One table per schedule: local and UTC times, the flexible window, DST changes."""
    from rich.table import Table

    from ecs_scheduler.expressions import flexible_window

    for row in schedules:
        state = "" if row.enabled else " [yellow](disabled)[/]"
        note_lines = "".join(f"\nnote: {note}" for note in row.notes)
        table = Table(
            title=(
                f"[bold]{escape(row.label)}[/]{state}  {escape(row.expression)}\n"
                f"{escape(row.description)}{escape(note_lines)}"
            ),
            title_justify="left",
        )
        table.add_column("#", justify="right")
        table.add_column(f"local ({escape(row.timezone)})")
        table.add_column("UTC")
        window = row.flexible_time_window_minutes
        if window:
            table.add_column(f"window ({window} min, UTC)")
        changes = list(row.dst_changes)
        if changes:
            table.add_column("daylight saving time")
        zone = ZoneInfo(row.timezone)
        for index, run in enumerate(row.runs, start=1):
            while changes and changes[0].kind == "skipped" and changes[0].instant < run:
                skipped = changes.pop(0)
                cells = ["–", f"{skipped.wall_time:%a %Y-%m-%d %H:%M}", ""]
                table.add_row(*cells, *([""] if window else []), f"⚠ {escape(skipped.message)}")
            cells = [
                str(index),
                run.astimezone(zone).strftime("%a %Y-%m-%d %H:%M %Z"),
                run.astimezone(UTC).strftime("%Y-%m-%d %H:%M"),
            ]
            if window:
                begin, end = flexible_window(run, window)
                cells.append(f"{begin:%H:%M} – {end:%H:%M}")
            if row.dst_changes:
                marked = changes[0] if changes and changes[0].instant == run else None
                if marked is not None:
                    changes.pop(0)
                cells.append(f"⚠ {marked.message}" if marked else "")
            table.add_row(*cells)
        if not row.runs:
            table.add_row("–", "no fire times after " + after.isoformat(), "")
        out.print(table)


@app.command()
def schema() -> None:
    """Print the JSON Schema of the stack file (for editors and CI validation)."""
    from ecs_scheduler.config import json_schema

    print_json(json_schema())


class ExportFormat(StrEnum):
    hcl = "hcl"
    json = "json"


@export_app.command("terraform")
@aws_command
def export_terraform(
    connection: Connection,
    output_dir: Annotated[Path, typer.Option("--output-dir", "-o", help="Directory to write.")],
    output_format: Annotated[
        ExportFormat, typer.Option("--format", help="hcl (.tf) or json (.tf.json).")
    ] = ExportFormat.hcl,
    import_existing: Annotated[
        bool,
        typer.Option(
            "--import-existing",
            help="Also write imports.tf: an import block for each resource that already exists"
            " in AWS (read only; the connection options are used only with this option).",
        ),
    ] = False,
) -> None:
    """Write a Terraform root module (one child module per job) to review and apply yourself."""
    from ecs_scheduler.engines.terraform import export_terraform as write

    if not import_existing:
        desired = build_desired(load_config(connection.config))
        report_files(write(desired, output_dir, output_format=output_format.value))
        return
    from ecs_scheduler.engines.aws.existing import read_existing
    from ecs_scheduler.engines.terraform_imports import write_imports

    desired, clients = connection.open()
    files = write(desired, output_dir, output_format=output_format.value)
    path, imports = write_imports(
        desired, read_existing(desired, clients), output_dir, output_format=output_format.value
    )
    files.append(path)
    out.print(f"{len(imports.ids)} import block(s) for resources that already exist")
    for line in imports.skipped:
        err.print(f"[yellow]not imported:[/] {escape(line)}")
    report_files(files)


@export_app.command("cloudformation")
def export_cloudformation(
    output_dir: Annotated[Path, typer.Option("--output-dir", "-o", help="Directory to write.")],
    config: ConfigOption = DEFAULT_CONFIG,
) -> None:
    """Write one CloudFormation template for the stack."""
    from ecs_scheduler.engines.cloudformation import export_cloudformation as write

    report_files(write(build_desired(load_config(config)), output_dir))


def report_files(files: Sequence[Path]) -> None:
    for path in files:
        out.print(f"wrote {escape(str(path))}")


# --------------------------------------------------------------------------- AWS commands

ACTION_STYLE = {
    "create": ("+", "green", "will be created"),
    "update": ("~", "yellow", "will be updated in place"),
    "replace": ("-/+", "magenta", "must be replaced"),
    "delete": ("-", "red", "will be destroyed"),
    "adopt": ("~", "yellow", "will be adopted"),
}
DONE_VERB = {
    "create": "created",
    "update": "updated",
    "replace": "replaced",
    "delete": "destroyed",
    "adopt": "adopted",
}
RETIRE_STYLE = {"none": ("=", "dim"), "refuse": ("✗", "red")}
RETIRE_TIMED = frozenset({"end", "disable", "remove-targets", "refuse"})
# Environment variables whose values text output never shows (--json is the exact record).
SECRET_NAME = re.compile(r"PASSWORD|SECRET|TOKEN|KEY", re.IGNORECASE)
MASKED = "(sensitive value hidden)"
# Role fields the live state reports beyond the config: what apply does to each entry.
ROLE_EXTRAS = {
    "OtherInlinePolicies": "extra inline policy {} will be removed",
    "ManagedPolicyArns": "managed policy {} will be detached",
}
# A read or an apply without a terminal (CI logs) reports at most this often.
LOG_PROGRESS_INTERVAL_SECONDS = 5.0


def masked(value: Any) -> Any:
    """``value`` with the value of every ``{name, value}`` pair whose name looks secret hidden."""
    if isinstance(value, Mapping):
        name = value.get("name")
        if isinstance(name, str) and "value" in value and SECRET_NAME.search(name):
            return {**value, "value": MASKED}
        return {key: masked(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [masked(item) for item in value]
    return value


def render_value(value: Any) -> str:
    """One value as JSON, secrets hidden, escaped for printing with markup."""
    value = masked(value)
    if isinstance(value, str):
        return escape(json.dumps(value, ensure_ascii=False))
    return escape(json.dumps(value, default=str, sort_keys=True, ensure_ascii=False))


def render_plan(plan: Plan) -> None:
    for blocked in plan.blocked:
        err.print(f"[red]✗ left alone:[/] {escape(blocked)}")
    for note in plan.notes:
        err.print(f"[yellow]! note:[/] {escape(note)}")
    for skipped in plan.skipped:
        out.print(f"[dim]  = not created again:[/] {escape(skipped)}")
    for retirement in plan.retirements:
        render_retirement(retirement)
    if not plan.changes and not plan.pending_retirements:
        if plan.blocked:
            out.print(
                f"[red]No changes can be made:[/] {len(plan.blocked)} resource(s) left alone "
                "(see above)."
            )
        else:
            out.print("[green]No changes.[/] Live AWS matches the config.")
        return
    for change in plan.changes:
        render_change(change)
    summary = plan.summary()
    out.print(
        f"\n[bold]Plan:[/] {summary.get('create', 0)} to add, {summary.get('update', 0)} to "
        f"change, {summary.get('replace', 0)} to replace, {summary.get('delete', 0)} to destroy"
        + (f", {summary['adopt']} to adopt" if summary.get("adopt") else "")
        + (f", {len(plan.pending_retirements)} to retire" if plan.retirements else "")
        + "."
    )


def render_retirement(change: RetireChange) -> None:
    """A replaced schedule or rule: what apply does to it, when, and why."""
    retirement = change.retirement
    symbol, colour = RETIRE_STYLE.get(retirement.action, ("»", "magenta"))
    when = f" at {utc_or_dash(retirement.at)}" if retirement.action in RETIRE_TIMED else ""
    out.print(
        f"[{colour}]{symbol:>3}[/] [bold]retire {retirement.what} {escape(retirement.arn)}[/] "
        f"(job {escape(change.job)}): {retirement.action}{when} — {escape(retirement.reason)}"
    )


def render_leftovers(found: Leftovers) -> None:
    """What the retired deployments leave behind, and how to remove it once checked."""
    if not (found.commands or found.terraform_state_rm):
        return
    out.print("\n[bold]Left behind[/] by the retired schedules and rules (remove once checked):")
    for line in (*found.commands, *found.terraform_state_rm):
        out.print(f"  {escape(line)}")
    for note in found.notes:
        err.print(f"[yellow]! note:[/] {escape(note)}")


def render_destroy_plan(plan: Plan) -> None:
    """A destroy's plan: the same lines, but "nothing to destroy" when there is nothing."""
    if plan.changes:
        render_plan(plan)
        return
    for blocked in plan.blocked:
        err.print(f"[red]✗ left alone:[/] {escape(blocked)}")
    for note in plan.notes:
        err.print(f"[yellow]! note:[/] {escape(note)}")
    if plan.blocked:
        out.print(
            f"[red]Nothing can be destroyed:[/] {len(plan.blocked)} resource(s) left alone "
            "(see above)."
        )
    else:
        out.print("[green]Nothing to destroy.[/] This stack owns nothing in AWS.")


def render_change(change: Change) -> None:
    symbol, colour, verb = ACTION_STYLE[change.action]
    reason = f" — {escape(change.reason)}" if change.reason else ""
    out.print(f"[{colour}]{symbol:>3}[/] [bold]{escape(change.address)}[/] {verb}{reason}")
    if change.action == "delete":
        return
    for line in diff_lines(change):
        out.print(f"      {line}")


def diff_lines(change: Change) -> list[str]:
    """The field lines of a change, in markup: tags per key, role extras in words."""
    lines: list[str] = []
    for field, (old, new) in change.diff.items():
        if field == "tags":
            lines.extend(tag_lines(old or {}, new or {}))
        elif field in ROLE_EXTRAS and change.action != "create":
            kept = set(new or [])
            lines.extend(
                f"[red]-[/] {escape(ROLE_EXTRAS[field].format(item))}"
                for item in old or []
                if item not in kept
            )
        elif change.action == "create":
            lines.append(f"[green]+[/] {escape(field)} = {render_value(new)}")
        else:
            lines.append(
                f"[yellow]~[/] {escape(field)}: {render_value(old)} [dim]→[/] {render_value(new)}"
            )
    return lines


def tag_lines(old: Mapping[str, str], new: Mapping[str, str]) -> list[str]:
    """A tag change key by key, as ``terraform plan`` shows a map: added, changed, removed."""
    lines: list[str] = []
    for key in sorted(old.keys() | new.keys()):
        field = escape(f"tags.{key}")
        if key not in old:
            lines.append(f"[green]+[/] {field} = {render_value(new[key])}")
        elif key not in new:
            lines.append(f"[red]-[/] {field} = {render_value(old[key])}")
        elif old[key] != new[key]:
            lines.append(
                f"[yellow]~[/] {field}: {render_value(old[key])} [dim]→[/] {render_value(new[key])}"
            )
    return lines


@contextmanager
def progress_bar(total: int) -> Iterator[Callable[[Change], None]]:
    """Apply's progress: a bar on a terminal, one line per change in logs (no terminal)."""
    if not err.is_terminal:

        def log(change: Change) -> None:
            out.print(f"{escape(change.address)}: {DONE_VERB[change.action]}")

        yield log
        return
    with transient_bar(disable=total < 10) as progress:
        task = progress.add_task("applying", total=total)

        def advance(change: Change) -> None:
            progress.advance(task)

        yield advance


def transient_bar(*, disable: bool = False) -> Progress:
    """A progress bar on stderr's terminal that is gone once its work is done."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    return Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=real_console(err),
        transient=True,
        disable=disable,
    )


@contextmanager
def read_progress(
    clock: Callable[[], float] = time.monotonic,
) -> Iterator[Callable[[int, int], None]]:
    """Reading live state: a transient bar on a terminal, a line every few seconds in logs."""
    if not err.is_terminal:
        started = clock()
        last = started

        def log(done: int, total: int) -> None:
            nonlocal last
            now = clock()
            if now - last >= LOG_PROGRESS_INTERVAL_SECONDS and done < total:
                last = now
                err.print(
                    f"reading live state: {done} of {total} jobs read ({now - started:.0f} s)"
                )

        yield log
        return
    with transient_bar() as progress:
        task = progress.add_task("reading live state (jobs)", total=None)

        def advance(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        yield advance


def make_plan(
    connection: Connection,
    *,
    parallelism: int = DEFAULT_PARALLELISM,
    destroy_jobs: Sequence[str] | None = None,
    prune_foreign: bool = False,
    adopt: bool = False,
    allow_unwired_alerts: bool = False,
) -> tuple[Plan, AwsClients]:
    """Preflight and plan, Ctrl-C handled; ``destroy_jobs`` (``[]``: every job) destroys."""
    from ecs_scheduler.engines.aws.workflow import plan_stack

    desired, clients = connection.open(parallelism=parallelism)
    with interrupts_stop_calls(clients), read_progress() as reading:
        planned = plan_stack(
            desired,
            clients,
            destroy_jobs=destroy_jobs or None,
            destroy_all=destroy_jobs is not None and not destroy_jobs,
            prune_foreign=prune_foreign,
            adopt=adopt,
            parallelism=parallelism,
            progress=reading,
            allow_unwired_alerts=allow_unwired_alerts,
        )
    print_warnings(planned.warnings)
    return planned.plan, clients


def confirm_and_apply(
    the_plan: Plan,
    clients: AwsClients,
    *,
    auto_approve: bool,
    force_delete_dlq: bool,
    destroying: bool = False,
    parallelism: int = DEFAULT_PARALLELISM,
) -> tuple[str, ...]:
    """Apply after confirmation; the changes apply found unsafe to make, each with why."""
    from ecs_scheduler.engines.aws.workflow import apply_plan

    if not the_plan.changes and not the_plan.pending_retirements:
        return ()
    if not auto_approve:
        if not sys.stdin.isatty():
            raise UsageError("refusing to change AWS without a terminal; pass --auto-approve")
        typer.confirm("Apply these changes?", abort=True)
    with interrupts_stop_calls(clients), progress_bar(len(the_plan.changes)) as advance:
        result = apply_plan(
            the_plan,
            clients,
            force_delete_dlq_messages=force_delete_dlq,
            parallelism=parallelism,
            progress=advance,
            command="destroy" if destroying else "apply",
            on_wait=lambda change: err.print(f"waiting: {escape(change.retirement.reason)}"),
        )
    for blocked in result.blocked:
        err.print(f"[red]✗ left alone:[/] {escape(blocked)}")
    for retired in result.retired:
        out.print(f"retire {escape(retired.retirement.arn)}: {retired.retirement.action} done")
    render_applied(result, destroying=destroying)
    if result.leftovers is not None:
        render_leftovers(result.leftovers)
    return result.blocked


def render_applied(result: ApplyResult, *, destroying: bool = False) -> None:
    if destroying:
        out.print(
            f"[green]Destroy complete.[/] {result.summary()['delete']} destroyed in "
            f"{result.seconds:.1f} s ({result.api_calls} API calls)."
        )
    else:
        out.print(f"[green]Apply complete.[/] {result}")


@app.command(name="plan")
@aws_command
def plan_command(
    connection: Connection,
    detailed_exitcode: Annotated[
        bool,
        typer.Option("--detailed-exitcode", help="Exit 2 when there are changes, 0 when none."),
    ] = False,
    prune_foreign: PruneForeignOption = False,
    adopt: AdoptOption = False,
    parallelism: ParallelismOption = DEFAULT_PARALLELISM,
    as_json: JsonOption = False,
    allow_unwired_alerts: AllowUnwiredAlertsOption = False,
) -> None:
    """Show what apply would change in live AWS (live AWS is the state; nothing is written)."""
    the_plan, _ = make_plan(
        connection,
        parallelism=parallelism,
        prune_foreign=prune_foreign,
        allow_unwired_alerts=allow_unwired_alerts,
        adopt=adopt,
    )
    if as_json:
        print_json(the_plan.to_json())
    else:
        render_plan(the_plan)
    if the_plan.blocked:
        raise BlockedError(len(the_plan.blocked), applied=False)
    if the_plan.refused_retirements:
        raise CutoverRefusedError(the_plan.refused_retirements)
    if detailed_exitcode and (the_plan.changes or the_plan.pending_retirements):
        raise typer.Exit(EXIT_CHANGES)


@app.command()
@aws_command
def apply(
    connection: Connection,
    auto_approve: AutoApproveOption = False,
    force_delete_dlq_messages: ForceDlqOption = False,
    prune_foreign: PruneForeignOption = False,
    adopt: AdoptOption = False,
    parallelism: ParallelismOption = DEFAULT_PARALLELISM,
    allow_unwired_alerts: AllowUnwiredAlertsOption = False,
) -> None:
    """Converge live AWS to the config: preflight, plan, confirm, apply."""
    the_plan, clients = make_plan(
        connection,
        parallelism=parallelism,
        prune_foreign=prune_foreign,
        allow_unwired_alerts=allow_unwired_alerts,
        adopt=adopt,
    )
    render_plan(the_plan)
    blocked = confirm_and_apply(
        the_plan,
        clients,
        auto_approve=auto_approve,
        force_delete_dlq=force_delete_dlq_messages,
        parallelism=parallelism,
    )
    if the_plan.blocked or blocked:
        raise BlockedError(len(the_plan.blocked) + len(blocked), applied=True)
    if the_plan.refused_retirements:
        raise CutoverRefusedError(the_plan.refused_retirements)


@app.command()
@aws_command
def destroy(
    connection: Connection,
    jobs: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="[JOB]...",
            help="Only these jobs (of the config, or still live after leaving it).",
        ),
    ] = None,
    auto_approve: AutoApproveOption = False,
    force_delete_dlq_messages: ForceDlqOption = False,
    prune_foreign: PruneForeignOption = False,
    parallelism: ParallelismOption = DEFAULT_PARALLELISM,
) -> None:
    """Remove everything this stack (or these jobs) owns in AWS; nothing else is touched."""
    the_plan, clients = make_plan(
        connection, parallelism=parallelism, destroy_jobs=jobs or [], prune_foreign=prune_foreign
    )
    render_destroy_plan(the_plan)
    blocked = confirm_and_apply(
        the_plan,
        clients,
        auto_approve=auto_approve,
        force_delete_dlq=force_delete_dlq_messages,
        destroying=True,
        parallelism=parallelism,
    )
    if the_plan.blocked or blocked:
        raise BlockedError(len(the_plan.blocked) + len(blocked), applied=True)


@app.command()
@aws_command
def outputs(connection: Connection, as_json: JsonOption = False) -> None:
    """Names, ARNs and URLs of each job's live resources."""
    from ecs_scheduler.engines.aws import read_outputs

    desired, clients = connection.open()
    with interrupts_stop_calls(clients), read_progress() as reading:
        values = read_outputs(desired, clients, progress=reading)
    if as_json:
        print_json(values)
        return
    render_outputs(values)


def render_outputs(values: Mapping[str, Mapping[str, Any]]) -> None:
    """Each job's outputs: a table on a terminal, one unwrapped line per value in logs."""
    from rich.table import Table

    for job, job_outputs in values.items():
        if not any(job_outputs.values()):
            out.print(f"[bold]{escape(job)}[/]: nothing is deployed (run apply to create it).")
            continue
        if not out.is_terminal:
            out.print(f"[bold]{escape(job)}[/]")
            for name, value in job_outputs.items():
                for key, text in output_items(value):
                    label = f"{name} {key}" if key else name
                    out.print(f"  {escape(label)}: {escape(text)}")
            continue
        table = Table(title=f"[bold]{escape(job)}[/]", title_justify="left", show_header=False)
        table.add_column("output", style="cyan", no_wrap=True)
        table.add_column("value", overflow="fold")
        for name, value in job_outputs.items():
            cell = "\n".join(f"{key}: {text}" if key else text for key, text in output_items(value))
            table.add_row(escape(name), escape(cell))
        out.print(table)


def output_items(value: Any) -> list[tuple[str, str]]:
    """An output as (key, text) pairs: one per key of a map (``(primary)`` for ``""``)."""
    if isinstance(value, Mapping) and value:
        return [(str(key) or "(primary)", str(item)) for key, item in value.items()]
    return [("", "(none)" if value is None or value == {} else str(value))]


@app.command()
def demo(
    keep: Annotated[
        bool,
        typer.Option(
            "--keep",
            help=(
                "Skip the final destroy and keep the emulator running, with the stack applied, "
                "until Ctrl-C: it prints the endpoint, credentials and commands to explore it."
            ),
        ),
    ] = False,
) -> None:
    """Run the whole cycle on the embedded emulator: validate, plan, apply, next, destroy."""
    from ecs_scheduler.demo import Destroyed, KeptStack, run_demo
    from ecs_scheduler.engines.aws import ApplyResult
    from ecs_scheduler.engines.aws.workflow import PlannedStack
    from ecs_scheduler.validation import ValidationReport

    for demo_step in run_demo(keep=keep, progress=progress_bar):
        if demo_step.title is not None:
            step(demo_step.title)
        result = demo_step.result
        if isinstance(result, str):
            out.print(result, markup=False)
        elif isinstance(result, ValidationReport):
            render_validation(result)
        elif isinstance(result, PlannedStack):
            print_warnings(result.warnings)
            render_plan(result.plan)
        elif isinstance(result, ApplyResult):
            render_applied(result)
        elif isinstance(result, list):
            render_upcoming(result, datetime.now(UTC))
        elif isinstance(result, Destroyed):
            out.print(
                f"[green]Destroyed.[/] A new plan would create {result.create_again} "
                "resources again: nothing of the stack is left."
            )
        elif isinstance(result, KeptStack):
            serve_until_interrupted(
                result.endpoint_url, result.config, ["outputs", "plan", "destroy --auto-approve"]
            )
        else:
            render_outputs(result)


@app.command()
def local(
    config: ConfigOption = DEFAULT_CONFIG,
    port: Annotated[
        int,
        typer.Option("--port", min=0, max=65535, help="Port on 127.0.0.1 (default: a free one)."),
    ] = 0,
) -> None:
    """Run your config against a local AWS: the embedded emulator, holding what it refers to.

    Creates the clusters, task definitions, VPC, keys and topics it names; runs until Ctrl-C.
    """
    import tempfile

    from ecs_scheduler.local import Emulator, provision_for_config, write_local_config

    result = load_config(config)
    with (
        Emulator(port=port) as emulator,
        tempfile.TemporaryDirectory(prefix="ecs-scheduler-local-") as tmp,
    ):
        out.print(f"Embedded AWS emulator (moto) listening on {emulator.endpoint_url}")
        account = provision_for_config(result.stack, emulator.endpoint_url)
        created = ", ".join(f"{count} {kind}(s)" for kind, count in account.created.items())
        out.print(f"Created what {result.path} refers to: {created}.", markup=False)
        local_config = write_local_config(config, account, Path(tmp) / config.name)
        out.print(
            f"Your config with the emulator's ids (subnets, security groups, KMS keys, account "
            f"{account.account_id}): {local_config}",
            markup=False,
        )
        serve_until_interrupted(
            emulator.endpoint_url, local_config, ["plan", "apply", "outputs", "next -n 3"]
        )


# The line `local` and `demo --keep` print once the emulator is ready for other commands.
READY_LINE = "Ready: press Ctrl-C to stop the emulator (everything in it is lost)."


def serve_until_interrupted(endpoint_url: str, config: Path, commands: Sequence[str]) -> None:
    """Print how to reach the running emulator, then wait for Ctrl-C and return normally.

    SIGTERM (``kill``, a process manager) stops it the same way, so the emulator and the
    temporary config are cleaned up either way.
    """
    import shlex
    import signal
    import time

    from ecs_scheduler.local import emulator_environment

    out.print("\nIn another shell (dummy credentials: the emulator accepts any, boto3 needs some):")
    for name, value in emulator_environment(endpoint_url).items():
        out.print(f"  export {name}={shlex.quote(value)}", markup=False)
    for command in commands:
        out.print(f"  ecs-scheduler {command} -c {shlex.quote(str(config))}", markup=False)

    def stop(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, stop)
    try:  # before the ready line: a Ctrl-C right after it must stop the emulator cleanly too
        # Written past rich's buffer: rich would print a line twice when Ctrl-C lands while it
        # flushes, and the buffered line would be written again with the next message.
        out.file.write(READY_LINE + "\n")
        out.file.flush()
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        out.print("\nStopped the emulator.")
    finally:
        signal.signal(signal.SIGTERM, previous)


@app.command(name="import")
def import_command(
    output: Annotated[
        Path, typer.Option("--output", "-o", help="Write the config here (never to AWS).")
    ],
    region: Annotated[
        str | None,
        typer.Option("--region", envvar="AWS_DEFAULT_REGION", help="AWS region to read."),
    ] = None,
    groups: Annotated[
        list[str] | None,
        typer.Option("--group", help="Only schedules of this schedule group (repeatable)."),
    ] = None,
    rules: Annotated[
        bool, typer.Option("--rules/--no-rules", help="Also import EventBridge rules.")
    ] = True,
    defaults: Annotated[
        Path | None,
        typer.Option("--defaults", help="YAML of job fields for what the sources do not say."),
    ] = None,
    stack: Annotated[str, typer.Option("--stack", help="Stack name of the written config.")] = (
        "imported"
    ),
    profile: ProfileOption = None,
    endpoint_url: EndpointOption = None,
    timeout: TimeoutOption = DEFAULT_TIMEOUT_SECONDS,
) -> None:
    """Write a config for the ECS schedules and rules no stack owns; AWS is only read."""
    import yaml

    from ecs_scheduler.engines.aws import AwsClients
    from ecs_scheduler.engines.aws.importer import read_sources
    from ecs_scheduler.loader import ConfigError, loads
    from ecs_scheduler.migration.convert import convert, render

    if region is None:
        raise UsageError("import needs a region: pass --region or set AWS_DEFAULT_REGION")
    job_defaults: Any = {}
    if defaults is not None:
        try:
            job_defaults = yaml.safe_load(defaults.read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError) as error:
            raise UsageError(f"--defaults {defaults}: {error}") from error
        if not isinstance(job_defaults, dict):
            raise UsageError(f"--defaults {defaults}: expected a mapping of job fields")
    clients = AwsClients.create(
        region=region, profile=profile, endpoint_url=endpoint_url, deadline_seconds=timeout
    )
    sources = read_sources(clients, groups=groups or (), rules=rules)
    result = convert(sources, stack=stack, defaults=job_defaults)
    text = render(result)
    output.write_text(text, encoding="utf-8")
    out.print(
        f"Wrote {len(result.jobs)} job(s) from {len(sources)} source(s) to {escape(str(output))}."
    )
    for key, report in result.jobs.items():
        out.print(f"[bold]{escape(key)}[/] replaces {escape(', '.join(report.replaces))}")
        if report.missing:
            out.print(f"  [yellow]missing:[/] {escape(', '.join(report.missing))}")
        for difference in report.differences:
            out.print(f"  [cyan]differs:[/] {difference}", markup=False)
    for skipped in result.skipped:
        out.print(f"not imported: {skipped}", markup=False)
    try:
        loads(text, str(output))
    except ConfigError as error:
        out.print(f"[yellow]{escape(str(output))} does not validate yet:[/]")
        out.print(str(error), markup=False)
    else:
        out.print(f"[green]{escape(str(output))} validates.[/]")


def step(title: str) -> None:
    out.rule(f"[bold cyan]{title}[/]", align="left")


# --------------------------------------------------------------------------- operating commands

dlq_app = typer.Typer(
    help="Read, redrive and purge a job's dead-letter queue (failed invocations).",
    no_args_is_help=True,
)
app.add_typer(dlq_app, name="dlq")
JobArgument = Annotated[str, typer.Argument(metavar="JOB", help="The job, as named in the config.")]


def utc_or_dash(instant: datetime | None) -> str:
    return "–" if instant is None else instant.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%SZ")


def schedule_label(job: str, key: str | None) -> str:
    if key is None:
        return "(unknown)"
    return job if key == "" else f"{job}/{key}"


@dlq_app.command("list")
@aws_command
def dlq_list(
    connection: Connection,
    job: JobArgument,
    as_json: JsonOption = False,
) -> None:
    """The job's failed invocations, grouped by error; the messages stay in the queue."""
    from ecs_scheduler.engines.aws.operations import read_dead_letters
    from ecs_scheduler.operations import group_by_error

    listing = read_dead_letters(*connection.open(), job)
    if as_json:
        print_json(listing.to_json())
        return
    if not listing.messages:
        out.print(f"[green]Dead-letter queue {escape(listing.queue_name)} is empty.[/]")
        return
    out.print(
        f"{len(listing.messages)} message(s) in dead-letter queue {escape(listing.queue_name)}"
    )
    # One line per message rather than a table: ids, ARNs and error messages are long, and a
    # table would cut them to the terminal's width.
    for code, letters in group_by_error(listing.messages).items():
        out.print(f"\n[bold]{escape(code)}[/] — {len(letters)} message(s)")
        for letter in letters:
            retries = "–" if letter.retry_attempts is None else str(letter.retry_attempts)
            exhausted = letter.exhausted_retry_condition or "–"
            schedule = schedule_label(job, listing.schedules.get(letter.message_id))
            out.print(
                f"  {letter.message_id}  {schedule}  scheduled {utc_or_dash(letter.scheduled_time)}"
                f"  retries {retries} ({exhausted})",
                markup=False,
            )
            out.print(
                f"      {letter.error_message or '(no ERROR_MESSAGE)'}", style="dim", markup=False
            )


@dlq_app.command("show")
@aws_command
def dlq_show(
    connection: Connection,
    job: JobArgument,
    message_id: Annotated[str, typer.Argument(metavar="MESSAGE_ID", help="From dlq list.")],
    as_json: JsonOption = False,
) -> None:
    """Every attribute and the payload of one failed invocation; it stays in the queue."""
    from ecs_scheduler.engines.aws.operations import read_dead_letters

    document = read_dead_letters(*connection.open(), job).message(message_id)
    if as_json:
        print_json(document)
        return
    from rich.table import Table

    table = Table(title=f"[bold]{escape(message_id)}[/]", title_justify="left", show_header=False)
    table.add_column("field", style="cyan", no_wrap=True)
    table.add_column("value", overflow="fold")
    for field, value in document.items():
        if field == "payload":
            continue
        table.add_row(field, escape("–" if value is None else str(value)))
    out.print(table)
    out.print("payload:")
    print_json(document["payload"])


@dlq_app.command("redrive")
@aws_command
def dlq_redrive(
    connection: Connection,
    job: JobArgument,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show what would run; change nothing.")
    ] = False,
    max_messages: Annotated[
        int | None, typer.Option("--max", min=1, help="Redrive at most this many messages.")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Start each failed invocation's task as its schedule would, then delete its message."""
    from ecs_scheduler.engines.aws.operations import redrive
    from ecs_scheduler.operations import OperationError

    result = redrive(
        *connection.open(),
        job,
        dry_run=dry_run,
        max_messages=max_messages,
    )
    if as_json:
        print_json(result.to_json())
    else:
        styles = {"started": "green", "would start": "cyan", "left": "red"}
        for outcome in result.outcomes:
            tasks = " ".join(outcome.task_arns)
            detail = f" — {outcome.detail}" if outcome.detail else ""
            out.print(
                f"[{styles[outcome.action]}]{outcome.action:>11}[/] "
                + escape(
                    f"{outcome.message_id} {schedule_label(job, outcome.schedule)} {tasks}{detail}"
                )
            )
        if not result.outcomes:
            out.print(f"[green]Dead-letter queue {escape(result.queue_name)} is empty.[/]")
    if result.left and not dry_run:
        raise OperationError(
            f"{result.left} message(s) were left in {result.queue_name} (see above)."
        )


@dlq_app.command("purge")
@aws_command
def dlq_purge(
    connection: Connection,
    job: JobArgument,
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Delete every message of the job's dead-letter queue (they are lost)."""
    from ecs_scheduler.engines.aws.operations import purge

    desired, clients = connection.open()
    if not yes:
        if not sys.stdin.isatty():
            raise UsageError("refusing to purge a dead-letter queue without a terminal; pass --yes")
        typer.confirm(f"Delete every message of job {job}'s dead-letter queue?", abort=True)
    result = purge(desired, clients, job)
    if as_json:
        print_json(result.to_json())
        return
    out.print(f"[green]Purged[/] {result.queue_name}: about {result.messages} message(s) deleted.")


@app.command(name="run")
@aws_command
def run_command(
    connection: Connection,
    target: Annotated[
        str,
        typer.Argument(
            metavar="JOB[/SCHEDULE]", help="The job, and one of its schedules (default: primary)."
        ),
    ],
    wait: Annotated[
        bool, typer.Option("--wait", help="Wait until the tasks stop; print each exit code.")
    ] = False,
    timeout: Annotated[
        str, typer.Option("--timeout", help="With --wait: give up after this long (90s, 30m, 2h).")
    ] = "1h",
    as_json: JsonOption = False,
) -> None:
    """Start a schedule's task now, with exactly the parameters the schedule would use."""
    from ecs_scheduler.engines.aws.operations import run_schedule
    from ecs_scheduler.operations import OperationError
    from ecs_scheduler.operations.durations import parse_duration

    job, _, key = target.partition("/")
    limit = parse_duration(timeout, option="--timeout")
    desired, clients = connection.open()
    result = run_schedule(
        desired, clients, job, key, wait=wait, timeout_seconds=limit.total_seconds()
    )
    label = schedule_label(job, key)
    if as_json:
        print_json(result.to_json())
    else:
        if not result.enabled:
            out.print(f"[yellow]Schedule {escape(label)} is disabled;[/] its task was run anyway.")
        for arn in result.task_arns:
            out.print(f"[green]started[/] {escape(arn)}")
        for task in result.tasks:
            verdict = "[green]succeeded[/]" if task.succeeded else "[red]failed[/]"
            reason = task.stopped_reason or task.stop_code or "no reason given"
            out.print(f"{verdict} " + escape(f"{task.task_arn} — stopped: {reason}"))
            for container in task.containers:
                code = "no exit code" if container.exit_code is None else container.exit_code
                role = "essential" if container.essential else "not essential"
                why = f" — {container.reason}" if container.reason else ""
                out.print(f"    {container.name} ({role}): exit {code}{why}", markup=False)
    if result.waited and not result.succeeded:
        failed = sum(1 for task in result.tasks if not task.succeeded)
        raise OperationError(
            f"{failed} of {len(result.tasks)} task(s) of {label} failed: an essential container "
            "exited non-zero or without an exit code."
        )


@app.command(name="status")
@aws_command
def status_command(
    connection: Connection,
    target: Annotated[
        str | None,
        typer.Argument(metavar="[JOB[/SCHEDULE]]", help="Limit to one job or one schedule."),
    ] = None,
    since: Annotated[
        str, typer.Option("--since", help="Metrics window, back from now (24h, 7d, 90m).")
    ] = "24h",
    as_json: JsonOption = False,
) -> None:
    """Each schedule's state and next run, its group's metrics, the DLQ, alarms, task failures."""
    from ecs_scheduler.engines.aws.status import read_status
    from ecs_scheduler.operations.durations import parse_duration
    from ecs_scheduler.operations.status import task_failure_rules

    window = parse_duration(since, option="--since")
    job, has_schedule, key = (target or "").partition("/")
    loaded = load_config(connection.config)
    desired, clients = connection.open(loaded)
    report = read_status(
        desired,
        clients,
        job=job or None,
        schedule=key if has_schedule else None,
        task_failure_rules=task_failure_rules(loaded.stack),
        since=window,
    )
    if as_json:
        print_json(report.to_json())
    else:
        render_status(report)
    report.check_deployed()


@app.command(name="calendar")
def calendar_command(
    output: Annotated[Path, typer.Option("--output", "-o", help="The HTML page to write.")] = Path(
        "calendar.html"
    ),
    start: Annotated[
        str | None, typer.Option("--from", help="ISO-8601 start (default: now).")
    ] = None,
    days: Annotated[int, typer.Option("--days", min=1, max=366, help="Days to show.")] = 7,
    duration: Annotated[
        list[str] | None,
        typer.Option(
            "--duration",
            metavar="JOB=MINUTES",
            help="Expected run time of a job (overrides expected_duration_minutes).",
        ),
    ] = None,
    config: ConfigOption = DEFAULT_CONFIG,
    as_json: JsonOption = False,
) -> None:
    """Write one HTML page of every fire time, DST change and the tasks running at once."""
    from ecs_scheduler.operations.calendar import build_calendar, expected_durations, render_html

    result = load_config(config)
    durations = expected_durations(result.stack, duration or (), source=result.path)
    calendar = build_calendar(
        build_desired(result), start=parse_instant(start), days=days, durations=durations
    )
    if as_json:
        print_json(calendar.to_json())
        return
    output.write_text(render_html(calendar), encoding="utf-8")
    peaks = ", ".join(
        f"{forecast.cluster.rsplit('/', 1)[-1]} {forecast.peak}"
        for forecast in calendar.concurrency
    )
    out.print(
        f"wrote {output}: {calendar.event_count} fire time(s), "
        f"{len(calendar.dst_changes)} DST change(s), peak tasks per cluster: {peaks or 'none'}",
        markup=False,
    )


def render_status(report: StatusReport) -> None:
    for status in report.jobs:
        out.print(f"\n[bold]{escape(status.job)}[/]  " + escape(f"(group {status.schedule_group})"))
        if not status.deployed:
            out.print("  [yellow]configured but not deployed:[/] run plan and apply")
        for line in status.blocked:
            out.print(f"  [red]blocked:[/] {escape(line)}")
        for line in status.drift:
            out.print(f"  [yellow]drifted:[/] {escape(line)}")
        for row in status.schedules:
            label = schedule_label(status.job, row.key)
            state = (
                row.state
                if row.state == row.configured_state
                else (f"{row.state} (config: {row.configured_state})")
            )
            if row.next_fire_time is None:
                upcoming = "never fires again"
            else:
                local = row.next_fire_time.astimezone(ZoneInfo(row.timezone))
                upcoming = f"{local:%a %Y-%m-%d %H:%M %Z} = {utc_or_dash(row.next_fire_time)}"
            out.print(
                f"  {label}  {state}  {row.expression} {row.timezone}  next {upcoming}",
                markup=False,
            )
        counts = ", ".join(f"{name} {value:g}" for name, value in status.metrics.items())
        out.print(
            f"  metrics since {utc_or_dash(report.window_start)}: {counts or 'none'}", markup=False
        )
        if status.visible_messages is None:
            out.print(f"  DLQ {status.queue_name}: missing", markup=False)
        else:
            age = status.oldest_message_age_seconds
            oldest = "unknown" if age is None else f"{age:g}s"
            out.print(
                f"  DLQ {status.queue_name}: {status.visible_messages} visible, oldest {oldest}",
                markup=False,
            )
        alarms = ", ".join(f"{name} {state or 'missing'}" for name, state in status.alarms.items())
        out.print(f"  alarms: {alarms or 'none configured'}", markup=False)
        out.print(f"  {status.task_failures.describe()}", markup=False)


def print_version(requested: bool) -> None:
    if requested:
        out.print(f"ecs-scheduler {__version__}")
        raise typer.Exit(EXIT_OK)


@dataclass
class Invocation:
    """What the command line asked of the run as a whole; the context's ``obj``."""

    debug: bool = False


def remember_debug(context: typer.Context, parameter: object, requested: bool) -> None:
    if requested:
        context.ensure_object(Invocation).debug = True


@app.callback()
def root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=print_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
    debug: Annotated[
        bool,
        typer.Option(
            "--debug",
            callback=remember_debug,
            expose_value=False,
            is_eager=True,
            help="Show tracebacks of unexpected errors.",
        ),
    ] = False,
) -> None:
    """Scheduled ECS tasks on AWS EventBridge Scheduler, secure by default."""


def command_line(args: Sequence[str] = ()) -> Any:
    """The click command of ``app``, with the root's ``--debug`` offered by every command too
    (``ecs-scheduler plan --debug`` as well as ``ecs-scheduler --debug plan``).

    Given the arguments of a run, it holds only the command they name: building the click
    commands of all the others takes longer than validating a file (benchmarks/startup.py).
    """
    root_command = typer.main.get_command(only_the_named_command(app, args))
    debug = next(option for option in root_command.params if option.name == "debug")

    def offer(command: Any) -> None:
        for sub in getattr(command, "commands", {}).values():
            sub.params.append(debug)
            offer(sub)

    offer(root_command)
    return root_command


def only_the_named_command(whole: typer.Typer, args: Sequence[str]) -> typer.Typer:
    """``whole`` with only the command (or group of commands) that ``args`` names.

    That command parses, helps and reports usage errors as it does in ``whole``. Any other
    run gets ``whole``: one without a command (the root's help), with an unknown command
    (click suggests the nearest names), or with an argument before the command other than the
    root's ``--debug`` flag.
    """
    position = 0
    while position < len(args) and args[position] == "--debug":
        position += 1
    if position == len(args):
        return whole
    name = args[position]
    commands = [
        info
        for info in whole.registered_commands
        if info.callback is not None
        and (info.name or typer.main.get_command_name(info.callback.__name__)) == name
    ]
    groups = [info for info in whole.registered_groups if info.name == name]
    if not commands and not groups:
        return whole
    named = copy.copy(whole)
    named.registered_commands = commands
    named.registered_groups = groups
    return named


# --------------------------------------------------------------------------- entry point


def main(argv: Sequence[str] | None = None) -> NoReturn:
    """Run the CLI; map errors to exit codes (0 ok, 1 error, 2 usage or changes, 130 Ctrl-C)."""
    args = list(sys.argv[1:] if argv is None else argv)
    invocation = Invocation()
    try:
        # Without standalone mode, click returns typer.Exit codes instead of exiting itself.
        exit_code = command_line(args).main(
            args=args, prog_name="ecs-scheduler", standalone_mode=False, obj=invocation
        )
    except EcsSchedulerError as error:
        if invocation.debug:
            traceback.print_exc()
        err.print(str(error), markup=False)
        sys.exit(error.exit_code)
    except typer.Abort:
        err.print("Aborted: nothing was changed.")
        sys.exit(EXIT_ERROR)
    except KeyboardInterrupt:
        err.print("Interrupted.")
        sys.exit(EXIT_INTERRUPTED)
    except CLICK_EXCEPTION as error:
        # A usage error shows the usage line and "Error: ..." and exits 2, as click does.
        error.show()  # type: ignore[attr-defined]
        sys.exit(error.exit_code)  # type: ignore[attr-defined]
    except Exception as error:  # the one place that turns bugs into a clear line
        if invocation.debug:
            traceback.print_exc()
        else:
            err.print(
                f"unexpected error: {type(error).__name__}: {error} "
                "(run again with --debug for the traceback)",
                markup=False,
            )
        sys.exit(EXIT_ERROR)
    if exit_code == EXIT_INTERRUPTED:
        # typer turns a KeyboardInterrupt outside the AWS calls' own handling into this code.
        err.print("Interrupted.")
    sys.exit(exit_code if isinstance(exit_code, int) else EXIT_OK)
