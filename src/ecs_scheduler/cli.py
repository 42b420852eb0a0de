"""The ``ecs-scheduler`` command: parse arguments, call the library, render the result.

No business logic lives here. Every user-facing error is an ``EcsSchedulerError`` printed as
clear text with exit code 1; anything else is a bug, shown with its traceback only under
``--debug``. The AWS engine (and so boto3) is imported only by the commands that talk to AWS,
which keeps ``validate``, ``next`` and ``schema`` fast.
"""

from __future__ import annotations

import json
import re
import sys
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

    from ecs_scheduler.engines.aws import AwsClients, Change, Plan
    from ecs_scheduler.loader import LoadResult
    from ecs_scheduler.resources import DesiredState

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_CHANGES = 2


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
PruneForeignOption = Annotated[
    bool,
    typer.Option(
        "--prune-foreign",
        help="Also remove jobs of this stack name that another config's resource owner made.",
    ),
]
DEFAULT_CONFIG = Path("ecs-scheduler.yaml")


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
    result: LoadResult, profile: str | None, region: str | None, endpoint_url: str | None
) -> AwsClients:
    from ecs_scheduler.engines.aws import AwsClients

    return AwsClients.create(
        region=stack_region(result, region), profile=profile, endpoint_url=endpoint_url
    )


def run_preflight(desired: DesiredState, clients: AwsClients) -> None:
    from ecs_scheduler.engines.aws import AwsEngineError
    from ecs_scheduler.engines.aws.preflight import preflight

    report = preflight(desired, clients)
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
        raise UsageError(
            f"--from {text!r} is not an ISO-8601 date-time (e.g. 2026-03-08T00:00:00Z)"
        ) from None
    return instant if instant.tzinfo else instant.replace(tzinfo=UTC)


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
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=real_console(err),
        transient=True,
        disable=total < 10,
    ) as progress:
        task = progress.add_task("applying", total=total)

        def advance(change: Change) -> None:
            progress.advance(task)

        yield advance


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
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=real_console(err),
        transient=True,
    ) as progress:
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
    destroy_jobs: Sequence[str] | None = None,
    destroy_all: bool = False,
    prune_foreign: bool = False,
) -> tuple[Plan, AwsClients]:
    from ecs_scheduler.engines.aws import plan

    result = load_config(config)
    desired = build_desired(result)
    if destroy_jobs:
        unknown = sorted(set(destroy_jobs) - set(result.stack.jobs))
        if unknown:
            raise UsageError(f"no job {', '.join(map(repr, unknown))} in {result.path}")
    clients = connect(result, profile, region, endpoint_url)
    if not (destroy_jobs or destroy_all):
        run_preflight(desired, clients)
    with read_progress() as reading:
        the_plan = plan(
            desired,
            clients,
            destroy_jobs=destroy_jobs or None,
            destroy_all=destroy_all,
            prune_foreign=prune_foreign,
            progress=reading,
        )
    return the_plan, clients


def confirm_and_apply(
    the_plan: Plan,
    clients: AwsClients,
    *,
    auto_approve: bool,
    force_delete_dlq: bool,
    destroying: bool = False,
) -> tuple[str, ...]:
    """Apply after confirmation; the changes apply found unsafe to make, each with why."""
    from ecs_scheduler.engines.aws import apply

    if not the_plan.changes:
        return ()
    if not auto_approve:
        if not sys.stdin.isatty():
            raise UsageError("refusing to change AWS without a terminal; pass --auto-approve")
        typer.confirm("Apply these changes?", abort=True)
    with progress_bar(len(the_plan.changes)) as advance:
        result = apply(
            the_plan, clients, force_delete_dlq_messages=force_delete_dlq, progress=advance
        )
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
    as_json: JsonOption = False,
    debug: DebugOption = False,
) -> None:
    """Show what apply would change in live AWS (live AWS is the state; nothing is written)."""
    the_plan, _ = make_plan(config, profile, region, endpoint_url, prune_foreign=prune_foreign)
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
    debug: DebugOption = False,
) -> None:
    """Converge live AWS to the config: preflight, plan, confirm, apply."""
    the_plan, clients = make_plan(
        config, profile, region, endpoint_url, prune_foreign=prune_foreign
    )
    render_plan(the_plan)
    blocked = confirm_and_apply(
        the_plan, clients, auto_approve=auto_approve, force_delete_dlq=force_delete_dlq_messages
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
    debug: DebugOption = False,
) -> None:
    """Remove everything this stack (or these jobs) owns in AWS; nothing else is touched."""
    the_plan, clients = make_plan(
        config,
        profile,
        region,
        endpoint_url,
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
    )
    if the_plan.blocked or blocked:
        raise BlockedError(len(the_plan.blocked) + len(blocked), applied=True)


@app.command()
def outputs(
    config: ConfigOption = DEFAULT_CONFIG,
    profile: ProfileOption = None,
    region: RegionOption = None,
    endpoint_url: EndpointOption = None,
    as_json: JsonOption = False,
    debug: DebugOption = False,
) -> None:
    """Names, ARNs and URLs of each job's live resources."""
    from ecs_scheduler.engines.aws import read_outputs

    result = load_config(config)
    clients = connect(result, profile, region, endpoint_url)
    with read_progress() as reading:
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
        bool, typer.Option("--keep", help="Skip the final destroy and keep the emulator's config.")
    ] = False,
    debug: DebugOption = False,
) -> None:
    """Run the whole cycle on the embedded emulator: validate, plan, apply, next, destroy."""
    import tempfile

    from ecs_scheduler.engines.aws import AwsClients, apply, plan, read_outputs
    from ecs_scheduler.local import Emulator, provision_prerequisites, write_demo_config

    quickstart = Path(__file__).resolve().parents[2] / "examples" / "daily-report.yaml"
    if not quickstart.is_file():
        raise UsageError(f"the demo needs the quickstart example at {quickstart}")
    with Emulator() as emulator, tempfile.TemporaryDirectory(prefix="ecs-scheduler-demo-") as tmp:
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


def step(title: str) -> None:
    out.rule(f"[bold cyan]{title}[/]", align="left")


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
    """Run the CLI; map errors to exit codes (DESIGN §6)."""
    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args
    try:
        # Without standalone mode, click returns typer.Exit codes instead of exiting itself.
        exit_code = app(args=args, prog_name="ecs-scheduler", standalone_mode=False)
    except EcsSchedulerError as error:
        if debug:
            traceback.print_exc()
        err.print(str(error), markup=False)
        sys.exit(EXIT_ERROR)
    except typer.Abort:
        err.print("Aborted: nothing was changed.")
        sys.exit(EXIT_ERROR)
    except KeyboardInterrupt:
        err.print("Interrupted.")
        sys.exit(130)
    except Exception as error:  # the one place that turns bugs into a clear line
        import click

        if isinstance(error, click.ClickException):
            error.show()
            sys.exit(error.exit_code)
        if debug:
            traceback.print_exc()
        else:
            err.print(
                f"unexpected error: {type(error).__name__}: {error} "
                "(run again with --debug for the traceback)",
                markup=False,
            )
        sys.exit(EXIT_ERROR)
    sys.exit(exit_code if isinstance(exit_code, int) else EXIT_OK)
