"""The ``ecs-scheduler`` command: parse arguments, call the library, render the result.

No business logic lives here. Every user-facing error is an ``EcsSchedulerError`` printed as
clear text with exit code 1; anything else is a bug, shown with its traceback only under
``--debug``. The AWS engine (and so boto3) is imported only by the commands that talk to AWS,
which keeps ``validate``, ``next`` and ``schema`` fast.
"""

from __future__ import annotations

import json
import os
import re
import signal
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
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

    from ecs_scheduler.engines.aws import AwsClients, Change, Plan
    from ecs_scheduler.engines.aws.ecs import TaskDefinitions
    from ecs_scheduler.loader import LoadResult
    from ecs_scheduler.operations.status import StatusReport
    from ecs_scheduler.resources import DesiredState

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


ConfigOption = Annotated[
    Path,
    typer.Option("--config", "-c", help="The stack file.", show_default=True),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print stable JSON instead of text.")]
DebugOption = Annotated[bool, typer.Option("--debug", help="Show tracebacks of unexpected errors.")]
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
DEFAULT_CONFIG = Path("ecs-scheduler.yaml")
DEFAULT_TIMEOUT_SECONDS = 1800.0
DEFAULT_PARALLELISM = 16


# --------------------------------------------------------------------------- shared steps


def load_config(path: Path) -> LoadResult:
    """Load and validate the stack file, printing its warnings to stderr."""
    from ecs_scheduler.loader import load

    result = load(path)
    for warning in result.warnings:
        err.print(f"[yellow]warning:[/] {escape(str(warning))}")
    return result


def build_desired(result: LoadResult) -> DesiredState:
    from ecs_scheduler.resources import build

    return build(result.stack)


def stack_region(result: LoadResult, requested: str | None) -> str:
    regions = sorted({job.region for job in result.stack.jobs.values()})
    if len(regions) > 1:
        raise UsageError(
            f"{result.path}: the jobs of one stack must share a region for plan and apply; "
            f"found {', '.join(regions)}"
        )
    if requested is not None and requested != regions[0]:
        raise UsageError(
            f"--region {requested} disagrees with the clusters' region {regions[0]} "
            f"in {result.path}"
        )
    return regions[0]


def connect(
    result: LoadResult,
    profile: str | None,
    region: str | None,
    endpoint_url: str | None,
    *,
    timeout: float = DEFAULT_TIMEOUT_SECONDS,
    parallelism: int = DEFAULT_PARALLELISM,
) -> AwsClients:
    from ecs_scheduler.engines.aws import AwsClients

    return AwsClients.create(
        region=stack_region(result, region),
        profile=profile,
        endpoint_url=endpoint_url,
        deadline_seconds=timeout,
        # plan reads with two pools of ``parallelism`` threads each (jobs, and their reads).
        max_pool_connections=max(32, 2 * parallelism),
    )


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


def run_preflight(
    desired: DesiredState, clients: AwsClients, task_definitions: TaskDefinitions | None = None
) -> None:
    from ecs_scheduler.engines.aws import AwsEngineError
    from ecs_scheduler.engines.aws.preflight import preflight

    report = preflight(desired, clients, task_definitions=task_definitions)
    for warning in report.warnings:
        err.print(f"[yellow]warning:[/] {escape(str(warning))}")
    if report.errors:
        raise AwsEngineError(
            "preflight failed, nothing was written:\n" + "\n".join(f"  {e}" for e in report.errors)
        )


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


def utc_text(instant: datetime) -> str:
    return instant.astimezone(UTC).isoformat().replace("+00:00", "Z")


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
    debug: DebugOption = False,
) -> None:
    """Check the whole stack file offline; report every error with file:line:col and field."""
    if as_json:
        validate_as_json(config)
        return
    result = load_config(config)
    desired = build_desired(result)
    schedules = sum(len(job.schedules) for job in result.stack.jobs.values())
    # click's echo and style (colour on a terminal only), not rich: see _LazyConsole.
    typer.echo(
        f"{typer.style('✓', fg='green')} {result.path}: stack"
        f" {typer.style(result.stack.stack, bold=True)} is valid — "
        f"{len(result.stack.jobs)} job(s), {schedules} schedule(s), "
        f"{len(desired.resources)} resource(s)"
    )


def validate_as_json(config: Path) -> None:
    """``{"valid", "errors", "warnings", ...}`` on stdout, valid or not; exit 1 when invalid."""
    from ecs_scheduler.loader import ConfigError, ConfigIssue

    def issue(item: ConfigIssue) -> dict[str, Any]:
        return {
            "file": item.file,
            "line": item.line,
            "column": item.column,
            "path": item.path,
            "message": item.message,
        }

    try:
        result = load_config(config)
        desired = build_desired(result)
    except ConfigError as error:
        print_json(
            {
                "valid": False,
                "errors": [issue(item) for item in error.issues],
                "warnings": [issue(item) for item in error.warnings],
            }
        )
        raise typer.Exit(EXIT_ERROR) from None
    except EcsSchedulerError as error:
        print_json(
            {
                "valid": False,
                "errors": [issue(ConfigIssue(str(config), None, None, "", str(error)))],
                "warnings": [],
            }
        )
        raise typer.Exit(EXIT_ERROR) from None
    print_json(
        {
            "valid": True,
            "errors": [],
            "warnings": [issue(item) for item in result.warnings],
            "stack": result.stack.stack,
            "jobs": sorted(result.stack.jobs),
            "schedules": sum(len(job.schedules) for job in result.stack.jobs.values()),
            "resources": len(desired.resources),
        }
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
    debug: DebugOption = False,
) -> None:
    """Upcoming fire times of each schedule, local and UTC, with a plain-English description.

    Times a daylight-saving change skips, repeats or moves are marked.
    """
    from ecs_scheduler.expressions import (
        RateExpression,
        describe,
        dst_changes,
        fire_times,
        flexible_window,
    )

    result = load_config(config)
    after = parse_instant(start)
    job_filter, one_schedule, schedule_filter = (target or "").partition("/")
    if job_filter and job_filter not in result.stack.jobs:
        raise UsageError(
            f"no job {job_filter!r} in {result.path}; jobs: {', '.join(result.stack.jobs)}"
        )
    rows: list[dict[str, Any]] = []
    for job_name, job in result.stack.jobs.items():
        if job_filter and job_name != job_filter:
            continue
        schedules = [s for s in job.schedules if not one_schedule or s.key == schedule_filter]
        if not schedules:
            keys = ", ".join(repr(s.key) for s in job.schedules)
            raise UsageError(f"job {job_name!r} has no schedule {schedule_filter!r}; it has {keys}")
        for spec in schedules:
            runs: list[datetime] = []
            for fire_time in fire_times(
                spec.expression,
                spec.timezone,
                after=after,
                start_date=spec.start_date,
                end_date=spec.end_date,
            ):
                runs.append(fire_time)
                if len(runs) == count:
                    break
            notes: list[str] = []
            if isinstance(spec.expression, RateExpression) and spec.start_date is None:
                # A rate schedule without a StartDate "starts invoking the target immediately"
                # on creation: https://docs.aws.amazon.com/scheduler/latest/UserGuide/
                # schedule-types.html#rate-based
                notes.append(
                    "AWS counts rate() from when the schedule is created (it has no "
                    "start_date); these times count from --from (default: now)"
                )
            rows.append(
                {
                    "job": job_name,
                    "schedule": spec.key,
                    "expression": spec.expression_text,
                    "timezone": spec.timezone,
                    "enabled": spec.enabled,
                    "description": describe(spec.expression, spec.timezone),
                    "flexible_time_window_minutes": spec.flexible_time_window_minutes,
                    "runs": runs,
                    "dst_changes": dst_changes(
                        spec.expression,
                        spec.timezone,
                        runs,
                        # Nothing before the schedule's start_date counts as skipped.
                        after=max(after, spec.start_date) if spec.start_date else after,
                    ),
                    "notes": notes,
                }
            )
    if as_json:
        print_json(
            [
                {
                    **row,
                    "runs": [utc_text(run) for run in row["runs"]],
                    "dst_changes": [
                        {
                            "kind": change.kind,
                            "at": utc_text(change.instant),
                            "wall_time": change.wall_time.isoformat(),
                            "message": change.message,
                        }
                        for change in row["dst_changes"]
                    ],
                }
                for row in rows
            ]
        )
        return
    from rich.table import Table

    for row in rows:
        label = row["job"] + (f"/{row['schedule']}" if row["schedule"] else "")
        state = "" if row["enabled"] else " [yellow](disabled)[/]"
        note_lines = "".join(f"\nnote: {note}" for note in row["notes"])
        table = Table(
            title=(
                f"[bold]{escape(label)}[/]{state}  {escape(row['expression'])}\n"
                f"{escape(row['description'])}{escape(note_lines)}"
            ),
            title_justify="left",
        )
        table.add_column("#", justify="right")
        table.add_column(f"local ({escape(row['timezone'])})")
        table.add_column("UTC")
        window = row["flexible_time_window_minutes"]
        if window:
            table.add_column(f"window ({window} min, UTC)")
        changes = list(row["dst_changes"])
        if changes:
            table.add_column("daylight saving time")
        zone = ZoneInfo(row["timezone"])
        for index, run in enumerate(row["runs"], start=1):
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
            if row["dst_changes"]:
                marked = changes[0] if changes and changes[0].instant == run else None
                if marked is not None:
                    changes.pop(0)
                cells.append(f"⚠ {marked.message}" if marked else "")
            table.add_row(*cells)
        if not row["runs"]:
            table.add_row("–", "no fire times after " + after.isoformat(), "")
        out.print(table)


@app.command()
def schema(debug: DebugOption = False) -> None:
    """Print the JSON Schema of the stack file (for editors and CI validation)."""
    from ecs_scheduler.config import json_schema

    print_json(json_schema())


class ExportFormat(StrEnum):
    hcl = "hcl"
    json = "json"


@export_app.command("terraform")
def export_terraform(
    output_dir: Annotated[Path, typer.Option("--output-dir", "-o", help="Directory to write.")],
    output_format: Annotated[
        ExportFormat, typer.Option("--format", help="hcl (.tf) or json (.tf.json).")
    ] = ExportFormat.hcl,
    config: ConfigOption = DEFAULT_CONFIG,
    debug: DebugOption = False,
) -> None:
    """Write a Terraform root module (one child module per job) to review and apply yourself."""
    from ecs_scheduler.engines.terraform import export_terraform as write

    files = write(build_desired(load_config(config)), output_dir, output_format=output_format.value)
    report_files(files)


@export_app.command("cloudformation")
def export_cloudformation(
    output_dir: Annotated[Path, typer.Option("--output-dir", "-o", help="Directory to write.")],
    config: ConfigOption = DEFAULT_CONFIG,
    debug: DebugOption = False,
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
}
DONE_VERB = {"create": "created", "update": "updated", "replace": "replaced", "delete": "destroyed"}
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
    if not plan.changes:
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
        f"change, {summary.get('replace', 0)} to replace, {summary.get('delete', 0)} to destroy."
    )


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
    config: Path,
    profile: str | None,
    region: str | None,
    endpoint_url: str | None,
    *,
    timeout: float = DEFAULT_TIMEOUT_SECONDS,
    parallelism: int = DEFAULT_PARALLELISM,
    destroy_jobs: Sequence[str] | None = None,
    destroy_all: bool = False,
    prune_foreign: bool = False,
) -> tuple[Plan, AwsClients]:
    from ecs_scheduler.engines.aws import plan
    from ecs_scheduler.engines.aws.ecs import TaskDefinitions

    result = load_config(config)
    desired = build_desired(result)
    if destroy_jobs:
        unknown = sorted(set(destroy_jobs) - set(result.stack.jobs))
        if unknown:
            raise UsageError(f"no job {', '.join(map(repr, unknown))} in {result.path}")
    clients = connect(
        result, profile, region, endpoint_url, timeout=timeout, parallelism=parallelism
    )
    # Preflight and plan read each task definition once, between them.
    task_definitions = TaskDefinitions(clients)
    with interrupts_stop_calls(clients):
        if not (destroy_jobs or destroy_all):
            run_preflight(desired, clients, task_definitions)
        with read_progress() as reading:
            the_plan = plan(
                desired,
                clients,
                destroy_jobs=destroy_jobs or None,
                destroy_all=destroy_all,
                max_workers=parallelism,
                prune_foreign=prune_foreign,
                progress=reading,
                task_definitions=task_definitions,
            )
    return the_plan, clients


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
    from ecs_scheduler.engines.aws import ApplyInterruptedError, apply

    if not the_plan.changes:
        return ()
    if not auto_approve:
        if not sys.stdin.isatty():
            raise UsageError("refusing to change AWS without a terminal; pass --auto-approve")
        typer.confirm("Apply these changes?", abort=True)
    try:
        with interrupts_stop_calls(clients), progress_bar(len(the_plan.changes)) as advance:
            result = apply(
                the_plan,
                clients,
                force_delete_dlq_messages=force_delete_dlq,
                max_workers=parallelism,
                progress=advance,
            )
    except ApplyInterruptedError as stopped:
        command = "destroy" if destroying else "apply"
        raise ApplyInterruptedError(stopped.applied, stopped.total, command=command) from None
    for blocked in result.blocked:
        err.print(f"[red]✗ left alone:[/] {escape(blocked)}")
    if destroying:
        out.print(
            f"[green]Destroy complete.[/] {result.summary()['delete']} destroyed in "
            f"{result.seconds:.1f} s ({result.api_calls} API calls)."
        )
    else:
        out.print(f"[green]Apply complete.[/] {result}")
    return result.blocked


@app.command(name="plan")
def plan_command(
    detailed_exitcode: Annotated[
        bool,
        typer.Option("--detailed-exitcode", help="Exit 2 when there are changes, 0 when none."),
    ] = False,
    prune_foreign: PruneForeignOption = False,
    config: ConfigOption = DEFAULT_CONFIG,
    profile: ProfileOption = None,
    region: RegionOption = None,
    endpoint_url: EndpointOption = None,
    timeout: TimeoutOption = DEFAULT_TIMEOUT_SECONDS,
    parallelism: ParallelismOption = DEFAULT_PARALLELISM,
    as_json: JsonOption = False,
    debug: DebugOption = False,
) -> None:
    """Show what apply would change in live AWS (live AWS is the state; nothing is written)."""
    the_plan, _ = make_plan(
        config,
        profile,
        region,
        endpoint_url,
        timeout=timeout,
        parallelism=parallelism,
        prune_foreign=prune_foreign,
    )
    if as_json:
        print_json(the_plan.to_json())
    else:
        render_plan(the_plan)
    if the_plan.blocked:
        raise BlockedError(len(the_plan.blocked), applied=False)
    if detailed_exitcode and the_plan.changes:
        raise typer.Exit(EXIT_CHANGES)


@app.command()
def apply(
    auto_approve: AutoApproveOption = False,
    force_delete_dlq_messages: ForceDlqOption = False,
    prune_foreign: PruneForeignOption = False,
    config: ConfigOption = DEFAULT_CONFIG,
    profile: ProfileOption = None,
    region: RegionOption = None,
    endpoint_url: EndpointOption = None,
    timeout: TimeoutOption = DEFAULT_TIMEOUT_SECONDS,
    parallelism: ParallelismOption = DEFAULT_PARALLELISM,
    debug: DebugOption = False,
) -> None:
    """Converge live AWS to the config: preflight, plan, confirm, apply."""
    the_plan, clients = make_plan(
        config,
        profile,
        region,
        endpoint_url,
        timeout=timeout,
        parallelism=parallelism,
        prune_foreign=prune_foreign,
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


@app.command()
def destroy(
    jobs: Annotated[
        list[str] | None, typer.Argument(metavar="[JOB]...", help="Only these jobs.")
    ] = None,
    auto_approve: AutoApproveOption = False,
    force_delete_dlq_messages: ForceDlqOption = False,
    prune_foreign: PruneForeignOption = False,
    config: ConfigOption = DEFAULT_CONFIG,
    profile: ProfileOption = None,
    region: RegionOption = None,
    endpoint_url: EndpointOption = None,
    timeout: TimeoutOption = DEFAULT_TIMEOUT_SECONDS,
    parallelism: ParallelismOption = DEFAULT_PARALLELISM,
    debug: DebugOption = False,
) -> None:
    """Remove everything this stack (or these jobs) owns in AWS; nothing else is touched."""
    the_plan, clients = make_plan(
        config,
        profile,
        region,
        endpoint_url,
        timeout=timeout,
        parallelism=parallelism,
        destroy_jobs=jobs,
        destroy_all=not jobs,
        prune_foreign=prune_foreign,
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
def outputs(
    config: ConfigOption = DEFAULT_CONFIG,
    profile: ProfileOption = None,
    region: RegionOption = None,
    endpoint_url: EndpointOption = None,
    timeout: TimeoutOption = DEFAULT_TIMEOUT_SECONDS,
    as_json: JsonOption = False,
    debug: DebugOption = False,
) -> None:
    """Names, ARNs and URLs of each job's live resources."""
    from ecs_scheduler.engines.aws import read_outputs

    result = load_config(config)
    clients = connect(result, profile, region, endpoint_url, timeout=timeout)
    with interrupts_stop_calls(clients), read_progress() as reading:
        values = read_outputs(build_desired(result), clients, progress=reading)
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
    debug: DebugOption = False,
) -> None:
    """Run the whole cycle on the embedded emulator: validate, plan, apply, next, destroy."""
    import tempfile
    from importlib.resources import as_file

    from ecs_scheduler.engines.aws import AwsClients, apply, plan, read_outputs
    from ecs_scheduler.local import (
        Emulator,
        provision_prerequisites,
        quickstart_example,
        write_demo_config,
    )

    with (
        Emulator() as emulator,
        tempfile.TemporaryDirectory(prefix="ecs-scheduler-demo-") as tmp,
        as_file(quickstart_example()) as quickstart,
    ):
        step(f"Embedded AWS emulator (moto) listening on {emulator.endpoint_url}")
        clients = AwsClients.create(region="us-east-1", endpoint_url=emulator.endpoint_url)
        prerequisites = provision_prerequisites(clients)
        out.print(
            "Created what a real account would already have: VPC, subnets, security group, "
            "KMS key, ECS cluster, task definition with task and execution roles, SNS topic."
        )
        config = write_demo_config(prerequisites, quickstart, Path(tmp) / "ecs-scheduler.yaml")
        out.print(f"Config written from the quickstart example: {escape(str(config))}")

        step("1. ecs-scheduler validate")
        validate(config=config)
        result = load_config(config)
        desired = build_desired(result)

        step("2. ecs-scheduler plan")
        run_preflight(desired, clients)
        first = plan(desired, clients)
        render_plan(first)

        step("3. ecs-scheduler apply --auto-approve")
        with progress_bar(len(first.changes)) as advance:
            applied = apply(first, clients, progress=advance)
        out.print(f"[green]Apply complete.[/] {applied}")

        step("4. ecs-scheduler outputs")
        render_outputs(read_outputs(desired, clients))

        step("5. ecs-scheduler next -n 5")
        next_runs(target=None, count=5, start=None, config=config)

        step("6. ecs-scheduler plan (again: must show no changes)")
        second = plan(desired, clients)
        render_plan(second)
        if second.changes:
            raise UsageError("the plan after apply is not empty: this is a bug, please report it")

        if keep:
            step("Kept: the stack stays applied in the emulator")
            serve_until_interrupted(
                emulator.endpoint_url, config, ["outputs", "plan", "destroy --auto-approve"]
            )
            return
        step("7. ecs-scheduler destroy --auto-approve")
        teardown = plan(desired, clients, destroy_all=True)
        render_plan(teardown)
        with progress_bar(len(teardown.changes)) as advance:
            apply(teardown, clients, progress=advance)
        leftover = plan(desired, clients)
        out.print(
            f"[green]Destroyed.[/] A new plan would create {leftover.summary().get('create', 0)} "
            "resources again: nothing of the stack is left."
        )


@app.command()
def local(
    config: ConfigOption = DEFAULT_CONFIG,
    port: Annotated[
        int,
        typer.Option("--port", min=0, max=65535, help="Port on 127.0.0.1 (default: a free one)."),
    ] = 0,
    debug: DebugOption = False,
) -> None:
    """Run your config against a local AWS: the embedded emulator, holding what it refers to.

    Creates the clusters, task definitions (with the containers the overrides name), one VPC
    with the subnets and security groups, the KMS keys, SNS topics and permissions boundaries;
    writes your config again with the ids the emulator generated; runs until Ctrl-C.
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
    debug: DebugOption = False,
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
    clients = AwsClients.create(region=region, profile=profile, endpoint_url=endpoint_url)
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


def operate(
    config: Path, profile: str | None, region: str | None, endpoint_url: str | None
) -> tuple[DesiredState, AwsClients]:
    result = load_config(config)
    return build_desired(result), connect(result, profile, region, endpoint_url)


def utc_or_dash(instant: datetime | None) -> str:
    return "–" if instant is None else instant.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%SZ")


def schedule_label(job: str, key: str | None) -> str:
    if key is None:
        return "(unknown)"
    return job if key == "" else f"{job}/{key}"


@dlq_app.command("list")
def dlq_list(
    job: JobArgument,
    config: ConfigOption = DEFAULT_CONFIG,
    profile: ProfileOption = None,
    region: RegionOption = None,
    endpoint_url: EndpointOption = None,
    as_json: JsonOption = False,
    debug: DebugOption = False,
) -> None:
    """The job's failed invocations, grouped by error; the messages stay in the queue."""
    from ecs_scheduler.engines.aws.operations import read_dead_letters
    from ecs_scheduler.operations import group_by_error

    listing = read_dead_letters(*operate(config, profile, region, endpoint_url), job)
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
def dlq_show(
    job: JobArgument,
    message_id: Annotated[str, typer.Argument(metavar="MESSAGE_ID", help="From dlq list.")],
    config: ConfigOption = DEFAULT_CONFIG,
    profile: ProfileOption = None,
    region: RegionOption = None,
    endpoint_url: EndpointOption = None,
    as_json: JsonOption = False,
    debug: DebugOption = False,
) -> None:
    """Every attribute and the payload of one failed invocation; it stays in the queue."""
    from ecs_scheduler.engines.aws.operations import read_dead_letters

    listing = read_dead_letters(*operate(config, profile, region, endpoint_url), job)
    letter = next((m for m in listing.messages if m.message_id == message_id), None)
    if letter is None:
        raise UsageError(
            f"No message {message_id} in dead-letter queue {listing.queue_name} "
            f"({len(listing.messages)} message(s) there)."
        )
    document = {**letter.to_json(), "schedule": listing.schedules.get(message_id)}
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
def dlq_redrive(
    job: JobArgument,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show what would run; change nothing.")
    ] = False,
    max_messages: Annotated[
        int | None, typer.Option("--max", min=1, help="Redrive at most this many messages.")
    ] = None,
    config: ConfigOption = DEFAULT_CONFIG,
    profile: ProfileOption = None,
    region: RegionOption = None,
    endpoint_url: EndpointOption = None,
    as_json: JsonOption = False,
    debug: DebugOption = False,
) -> None:
    """Start each failed invocation's task as its schedule would, then delete its message."""
    from ecs_scheduler.engines.aws.operations import redrive
    from ecs_scheduler.operations import OperationError

    result = redrive(
        *operate(config, profile, region, endpoint_url),
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
def dlq_purge(
    job: JobArgument,
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
    config: ConfigOption = DEFAULT_CONFIG,
    profile: ProfileOption = None,
    region: RegionOption = None,
    endpoint_url: EndpointOption = None,
    as_json: JsonOption = False,
    debug: DebugOption = False,
) -> None:
    """Delete every message of the job's dead-letter queue (they are lost)."""
    from ecs_scheduler.engines.aws.operations import purge

    desired, clients = operate(config, profile, region, endpoint_url)
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
def run_command(
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
    config: ConfigOption = DEFAULT_CONFIG,
    profile: ProfileOption = None,
    region: RegionOption = None,
    endpoint_url: EndpointOption = None,
    as_json: JsonOption = False,
    debug: DebugOption = False,
) -> None:
    """Start a schedule's task now, with exactly the parameters the schedule would use."""
    from ecs_scheduler.engines.aws.operations import run_schedule
    from ecs_scheduler.operations import OperationError
    from ecs_scheduler.operations.durations import parse_duration

    job, _, key = target.partition("/")
    limit = parse_duration(timeout, option="--timeout")
    desired, clients = operate(config, profile, region, endpoint_url)
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
def status_command(
    target: Annotated[
        str | None,
        typer.Argument(metavar="[JOB[/SCHEDULE]]", help="Limit to one job or one schedule."),
    ] = None,
    since: Annotated[
        str, typer.Option("--since", help="Metrics window, back from now (24h, 7d, 90m).")
    ] = "24h",
    config: ConfigOption = DEFAULT_CONFIG,
    profile: ProfileOption = None,
    region: RegionOption = None,
    endpoint_url: EndpointOption = None,
    as_json: JsonOption = False,
    debug: DebugOption = False,
) -> None:
    """Each schedule's state and next run, its group's metrics, the DLQ and its alarms."""
    from ecs_scheduler.engines.aws.status import read_status
    from ecs_scheduler.operations.durations import parse_duration

    window = parse_duration(since, option="--since")
    job, has_schedule, key = (target or "").partition("/")
    desired, clients = operate(config, profile, region, endpoint_url)
    report = read_status(
        desired,
        clients,
        job=job or None,
        schedule=key if has_schedule else None,
        since=window,
    )
    if as_json:
        print_json(report.to_json())
    else:
        render_status(report)
    from ecs_scheduler.operations import OperationError

    if not any(status.deployed for status in report.jobs):
        what = f"Job {job} of stack" if job else "Stack"
        raise OperationError(
            f"{what} {report.stack} is not deployed in {clients.region}: run apply first."
        )
    missing = [s.queue_name for s in report.jobs if s.deployed and s.visible_messages is None]
    if missing:
        raise OperationError(
            f"Dead-letter queue {', '.join(missing)} is missing: run plan to see what to repair."
        )


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
    debug: DebugOption = False,
) -> None:
    """Write one HTML page of every fire time, DST change and the tasks running at once."""
    from ecs_scheduler.operations.calendar import (
        DurationSource,
        build_calendar,
        render_html,
    )

    result = load_config(config)
    durations: dict[str, tuple[int, DurationSource]] = {
        name: (job.expected_duration_minutes, "config")
        for name, job in result.stack.jobs.items()
        if job.expected_duration_minutes is not None
    }
    for item in duration or []:
        name, _, minutes = item.partition("=")
        if name not in result.stack.jobs or not minutes.isdigit() or int(minutes) < 1:
            raise UsageError(
                f"--duration {item!r}: expected JOB=MINUTES with a job of {result.path} "
                f"({', '.join(result.stack.jobs)}) and a whole number of minutes"
            )
        durations[name] = (int(minutes), "option")
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


def print_version(requested: bool) -> None:
    if requested:
        out.print(f"ecs-scheduler {__version__}")
        raise typer.Exit(EXIT_OK)


@app.callback()
def root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=print_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """Scheduled ECS tasks on AWS EventBridge Scheduler, secure by default."""


# --------------------------------------------------------------------------- entry point


def main(argv: Sequence[str] | None = None) -> NoReturn:
    """Run the CLI; map errors to exit codes (0 ok, 1 error, 2 usage or changes, 130 Ctrl-C)."""
    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args
    try:
        # Without standalone mode, click returns typer.Exit codes instead of exiting itself.
        exit_code = app(args=args, prog_name="ecs-scheduler", standalone_mode=False)
    except EcsSchedulerError as error:
        if debug:
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
        if debug:
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
