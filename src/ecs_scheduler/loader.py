"""YAML file -> validated :class:`~ecs_scheduler.config.Stack`, or every error of the file at once.

Reading is done in three modules: ``config_yaml`` composes the text into values that keep
their line and column, ``config_messages`` words every problem, and ``config_rules`` holds
the rules across fields. This module reads the file and runs the passes; the problems of all
of them are reported together, sorted by line:

1. structure: the top level, ``stack``, job keys, unknown fields, ``defaults:`` merging and
   deprecated fields;
2. the model (pydantic), field by field: types, ranges and every rule about one field, with
   its messages rewritten into ours;
3. rules across fields (ARN agreement, launch-type-only fields, schedule windows…), which run
   on the raw values and skip any value the model already rejects.

Every problem reads ``FILE:LINE:COL: dotted.path: message``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ecs_scheduler.config import DEPRECATED_JOB_FIELDS, NAME_PATTERN, Job, Stack
from ecs_scheduler.config_messages import (
    ConfigIssue,
    Loc,
    PointAt,
    Problem,
    dotted,
    kind_of,
    pydantic_problem,
    show,
    unknown_field,
)
from ecs_scheduler.config_rules import JobRules
from ecs_scheduler.config_yaml import MAX_DEPTH, MAX_NODES, Document
from ecs_scheduler.errors import EcsSchedulerError

__all__ = [
    "MAX_DEPTH",
    "MAX_FILE_BYTES",
    "MAX_NODES",
    "ConfigError",
    "ConfigIssue",
    "LoadResult",
    "dotted",
    "load",
    "loads",
]

MAX_FILE_BYTES = 10 * 1024 * 1024
STACK_FIELDS = ("stack", "defaults", "jobs")


class ConfigError(EcsSchedulerError):
    """The config file is invalid; ``str()`` gives one line per issue, sorted by line."""

    def __init__(self, issues: Sequence[ConfigIssue], warnings: Sequence[ConfigIssue] = ()) -> None:
        self.issues = tuple(issues)
        self.warnings = tuple(warnings)
        super().__init__("\n".join(str(issue) for issue in self.issues))


@dataclass(frozen=True)
class LoadResult:
    stack: Stack
    warnings: tuple[ConfigIssue, ...]
    path: str


def load(path: str | Path, *, now: datetime | None = None) -> LoadResult:
    """Read and validate the config file at ``path``.

    ``now`` is the instant after which every schedule must still fire (default: the current
    time); tests pin it.
    """
    filename = str(path)
    file_path = Path(path)
    try:
        if file_path.is_dir():
            raise _file_error(filename, "is a directory, not a config file")
        with file_path.open("rb") as stream:
            data = stream.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        raise _file_error(filename, "no such file") from None
    except PermissionError:
        raise _file_error(filename, "permission denied") from None
    except OSError as error:
        raise _file_error(filename, f"cannot be read: {error.strerror or error}") from None
    if len(data) > MAX_FILE_BYTES:
        raise _file_error(filename, f"is larger than {MAX_FILE_BYTES // (1024 * 1024)} MiB")
    if b"\x00" in data:
        raise _file_error(filename, "is a binary file, not YAML text")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise _file_error(
            filename,
            f"is not UTF-8 text (byte 0x{data[error.start]:02x} at offset {error.start})",
        ) from None
    return loads(text, filename, now=now)


def loads(
    text: str, filename: str = "ecs-scheduler.yaml", *, now: datetime | None = None
) -> LoadResult:
    """Validate config text; ``filename`` is only used in messages."""
    document = Document(filename)
    root = document.read(text)
    stack = _Validator(document, now or datetime.now(UTC)).validate(root)
    if document.problems:
        raise ConfigError(document.issues(document.problems), document.issues(document.warnings))
    if stack is None:
        raise AssertionError("a stack without problems is always built")
    return LoadResult(stack=stack, warnings=document.issues(document.warnings), path=filename)


def _file_error(filename: str, message: str) -> ConfigError:
    return ConfigError([ConfigIssue(filename, None, None, "", message)])


class _Validator:
    def __init__(self, document: Document, now: datetime) -> None:
        self.document = document
        self.now = now
        # The lists of defaults a deprecated field was added to (see _fold_deprecated).
        self.extended_in_defaults: set[str] = set()

    def problem(self, loc: Loc, message: str, point_at: PointAt = "value") -> None:
        self.document.problems.append(Problem(loc, message, point_at))

    def validate(self, root: Any) -> Stack | None:
        if root is None:
            if not self.document.problems:
                self.problem(
                    (),
                    "the file is empty: expected a mapping with 'stack' and 'jobs'",
                    "parent",
                )
            return None
        if not isinstance(root, dict):
            self.problem(
                (),
                f"the top level must be a mapping with 'stack' and 'jobs', not {kind_of(root)}",
            )
            return None
        for key in root:
            if key not in STACK_FIELDS and not key.startswith("x-"):
                self.problem((key,), unknown_field(key, STACK_FIELDS), "key")
        name = self._stack_name(root)
        defaults = self._defaults(root)
        jobs = self._jobs(root, defaults)
        if self.document.problems or name is None or jobs is None:
            return None
        return Stack(stack=name, jobs=jobs, defaults=defaults)

    def _stack_name(self, root: dict[str, Any]) -> str | None:
        if "stack" not in root:
            self.problem(("stack",), "required field is missing", "parent")
            return None
        name = root["stack"]
        if not isinstance(name, str) or re.fullmatch(NAME_PATTERN, name) is None:
            self.problem(
                ("stack",),
                f"{show(name)} is not a valid stack name: use 1-32 lowercase letters, "
                "digits and '-'",
            )
            return None
        return name

    def _defaults(self, root: dict[str, Any]) -> dict[str, Any]:
        defaults = root.get("defaults")
        if defaults is None:
            return {}
        if not isinstance(defaults, dict):
            self.problem(
                ("defaults",), f"expected a mapping of job fields, got {kind_of(defaults)}"
            )
            return {}
        allowed = (*Job.model_fields, *DEPRECATED_JOB_FIELDS)
        for key in defaults:
            if key not in allowed:
                self.problem(("defaults", key), unknown_field(key, allowed), "key")
        known = {key: value for key, value in defaults.items() if key in allowed}
        self.extended_in_defaults = self._fold_deprecated(("defaults",), known)
        return known

    def _jobs(self, root: dict[str, Any], defaults: dict[str, Any]) -> dict[str, Job] | None:
        if "jobs" not in root:
            self.problem(("jobs",), "required field is missing", "parent")
            return None
        raw_jobs = root["jobs"]
        if raw_jobs is not None and not isinstance(raw_jobs, dict):
            self.problem(
                ("jobs",),
                f"expected a mapping of job keys to job fields, got {kind_of(raw_jobs)}",
            )
            return None
        if not raw_jobs:
            self.problem(
                ("jobs",), "a stack needs at least one job: a mapping of job keys to job fields"
            )
            return None
        jobs: dict[str, Job] = {}
        for key, raw_job in raw_jobs.items():
            if re.fullmatch(NAME_PATTERN, key) is None:
                self.problem(
                    ("jobs", key),
                    f"{key!r} is not a valid job key: use 1-32 lowercase letters, digits and '-'",
                    "key",
                )
            if raw_job is not None and not isinstance(raw_job, dict):
                self.problem(
                    ("jobs", key), f"expected a mapping of job fields, got {kind_of(raw_job)}"
                )
                continue
            job = self._job(key, defaults, raw_job or {})
            if job is not None:
                jobs[key] = job
        return jobs

    def _job(self, key: str, defaults: dict[str, Any], own: dict[str, Any]) -> Job | None:
        loc: Loc = ("jobs", key)
        # Folded before merging, so that a job's deprecated field replaces the default list
        # like any other list would.
        own = dict(own)
        extended = self._fold_deprecated(loc, own) | (self.extended_in_defaults - set(own))
        merged = {**defaults, **own}
        self.document.from_defaults.update((key, name) for name in defaults if name not in own)
        job: Job | None = None
        try:
            job = Job.model_validate(merged)
        except ValidationError as error:
            for detail in error.errors(include_url=False):
                problem = pydantic_problem(Job, loc, detail)
                if detail["type"] == "missing" and len(detail["loc"]) == 1:
                    # Not required by the schema: it may come from defaults.
                    problem = replace(problem, rule="required")
                elif detail["type"] == "too_long" and tuple(detail["loc"]) in {
                    (name,) for name in extended
                }:
                    problem = replace(problem, rule="security-group-id")
                self.document.problems.append(problem)
        rules = JobRules(merged, self.now)
        for found in rules.check():
            self.document.problems.append(replace(found, loc=(*loc, *found.loc)))
        for warning in rules.warnings:
            self.document.warnings.append(replace(warning, loc=(*loc, *warning.loc)))
        return job

    def _fold_deprecated(self, loc: Loc, job: dict[str, Any]) -> set[str]:
        """Move each deprecated field of ``job`` (a job's own fields or ``defaults``) into its
        replacement, with a warning; problems of the moved value point where it is written.
        Returns the replacements a value was added to (they may now be too long)."""
        extended: set[str] = set()
        for old, new in DEPRECATED_JOB_FIELDS.items():
            if old not in job:
                continue
            value = job.pop(old)
            self.document.warnings.append(
                Problem(
                    (*loc, old),
                    f"{old} is deprecated: use {new} (its value is added to {new})",
                    "key",
                )
            )
            if not isinstance(value, str):
                self.problem((*loc, old), f"expected a security group id, got {show(value)}")
                continue
            current = job.get(new)
            if current is None:
                job[new] = [value]
                self.document.alias_position((*loc, new), (*loc, old))
                self.document.alias_position((*loc, new, 0), (*loc, old))
            elif isinstance(current, list) and value not in current:
                job[new] = [*current, value]
                self.document.alias_position((*loc, new, len(current)), (*loc, old))
                extended.add(new)
        return extended
