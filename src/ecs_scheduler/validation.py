"""The validation report of a stack file: what ``ecs-scheduler validate`` shows, offline.

A file is valid when it loads (every field, every cross-field rule) and its desired state
builds (names, policies and their limits).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ecs_scheduler.errors import EcsSchedulerError
from ecs_scheduler.loader import ConfigError, ConfigIssue, load
from ecs_scheduler.resources import build


@dataclass(frozen=True)
class ValidationReport:
    """Valid: the stack's counts and the warnings. Invalid: every error, and ``failure``, the
    error as loading raised it (its text lists the errors one per line)."""

    path: str
    errors: tuple[ConfigIssue, ...]
    warnings: tuple[ConfigIssue, ...]
    failure: EcsSchedulerError | None = None
    stack: str | None = None
    jobs: tuple[str, ...] = ()
    schedules: int = 0
    resources: int = 0

    @property
    def valid(self) -> bool:
        return self.failure is None

    def to_json(self) -> dict[str, Any]:
        """``{"valid", "errors", "warnings"}``, and the stack's counts when valid."""
        document: dict[str, Any] = {
            "valid": self.valid,
            "errors": [_issue(item) for item in self.errors],
            "warnings": [_issue(item) for item in self.warnings],
        }
        if self.valid:
            document.update(
                stack=self.stack,
                jobs=sorted(self.jobs),
                schedules=self.schedules,
                resources=self.resources,
            )
        return document


def validate(path: Path) -> ValidationReport:
    """Load ``path`` and build its desired state; a problem of the file is a result, not raised."""
    try:
        result = load(path)
    except ConfigError as error:
        return ValidationReport(str(path), error.issues, error.warnings, failure=error)
    except EcsSchedulerError as error:
        return ValidationReport(str(path), (_whole_file(path, error),), (), failure=error)
    try:
        desired = build(result.stack)
    except EcsSchedulerError as error:
        issue = _whole_file(path, error)
        return ValidationReport(result.path, (issue,), result.warnings, failure=error)
    return ValidationReport(
        path=result.path,
        errors=(),
        warnings=result.warnings,
        stack=result.stack.stack,
        jobs=tuple(result.stack.jobs),
        schedules=sum(len(job.schedules) for job in result.stack.jobs.values()),
        resources=len(desired.resources),
    )


def _whole_file(path: Path, error: EcsSchedulerError) -> ConfigIssue:
    """An error about the file as a whole (no line, no field)."""
    return ConfigIssue(str(path), None, None, "", str(error))


def _issue(item: ConfigIssue) -> dict[str, Any]:
    return {
        "file": item.file,
        "line": item.line,
        "column": item.column,
        "path": item.path,
        "message": item.message,
    }
