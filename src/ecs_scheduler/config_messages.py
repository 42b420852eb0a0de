"""The text of config problems: where they are (a path, a line and column) and what they say.

Pydantic's errors are rewritten here into messages that name the value and the rule, so
that every problem of a file reads ``FILE:LINE:COL: dotted.path: message``. A rule on the
model that has its own words raises :func:`refusal` (a ``PydanticCustomError`` of type
:data:`RULE_ERROR`): its message is used as written.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import NoneType, UnionType
from typing import Any, Literal, Union, get_args, get_origin

import annotated_types
import yaml
from pydantic import BaseModel
from pydantic.fields import FieldInfo
from pydantic_core import PydanticCustomError

Loc = tuple[str | int, ...]

_LONGEST_SHOWN = 60  # characters of a value quoted in a message
LONGEST_NUMBER_SHOWN = 50  # digits
RULE_ERROR = "config_rule"
# Pydantic's location of a mapping's key (rather than its value) ends with this.
_KEY_LOC = "[key]"


def refusal(message: str, *, rule: str | None = None) -> PydanticCustomError:
    """The error a rule on the model raises: ``message`` is shown as written. ``rule`` names
    the rule across fields or items that refused the value, if it is one the schema cannot
    carry (see ``config.RULES_THE_SCHEMA_CANNOT_CARRY``)."""
    context = {"message": message} if rule is None else {"message": message, "rule": rule}
    return PydanticCustomError(RULE_ERROR, "{message}", context)


@dataclass(frozen=True)
class ConfigIssue:
    """One problem of a config file, at the value it is about."""

    file: str
    line: int | None
    column: int | None
    path: str
    message: str
    # The name of the rule across fields that found it, if one did; not part of its text.
    rule: str | None = field(default=None, compare=False)

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        return f"{where}: {self.path}: {self.message}" if self.path else f"{where}: {self.message}"


@dataclass(frozen=True)
class Mark:
    """A position in the file, both counted from 1."""

    line: int
    column: int

    @classmethod
    def of(cls, mark: yaml.Mark) -> Mark:
        return cls(mark.line + 1, mark.column + 1)


PointAt = Literal["value", "key", "parent"]


@dataclass(frozen=True)
class Problem:
    """A problem found at ``loc``; placed in the file and worded for users by ``Document``."""

    loc: Loc
    message: str
    point_at: PointAt = "value"
    mark: Mark | None = None
    # A rule comparing several fields: when reported at ``defaults:``, name the job it is about.
    about_job: bool = False
    rule: str | None = None


def dotted(loc: Loc) -> str:
    """The path as users read it: ``jobs.a.additional_schedules[0].name``."""
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else part
    return text


_LIST_NOUNS = {
    "trusted_compute_subnets": "subnet ids",
    "security_group_ids": "security group ids",
    "dlq_alarm_actions": "SNS topic ARNs",
    "dlq_ok_actions": "SNS topic ARNs",
    "task_failure_actions": "SNS topic ARNs",
    "additional_schedules": "schedules",
    "capacity_provider_strategy": "capacity provider strategy items",
    "placement_constraints": "placement constraints",
    "placement_strategy": "placement strategies",
    "containerOverrides": "container overrides",
    "command": "strings",
    "environment": "name/value pairs",
    "environmentFiles": "environment files",
    "resourceRequirements": "resource requirements",
}
_PATTERN_MESSAGES = {
    "task_name": "is not a valid task definition family: use letters, digits, '_' and '-'",
    "cluster_name": "is not a valid ECS cluster name: use letters, digits, '_' and '-'",
    "name": "is not a valid schedule name: use letters, digits, '_', '.' and '-'",
    "cpu": "is not a task cpu override: write CPU units as a positive whole number"
    " ('256', '1024') or vCPUs ('1 vCPU', '0.25 vCPU')",
    "memory": "is not a task memory override: write MiB as a positive whole number"
    " ('512', '2048') or GB ('2 GB', '0.5 GB')",
}
DATETIME_EXAMPLE = "2026-01-01T06:00:00+00:00"


def pydantic_problem(model: type[BaseModel], prefix: Loc, detail: Mapping[str, Any]) -> Problem:
    loc: Loc = tuple(detail["loc"])
    kind: str = detail["type"]
    value = detail.get("input")
    context: Mapping[str, Any] = detail.get("ctx") or {}
    if kind == RULE_ERROR:
        at_key = loc[-1:] == (_KEY_LOC,)
        return Problem(
            (*prefix, *(loc[:-1] if at_key else loc)),
            str(context["message"]),
            "key" if at_key else "value",
            rule=context.get("rule"),
        )
    name = next((part for part in reversed(loc) if isinstance(part, str)), "")
    info = _field_info(model, loc)
    noun = _LIST_NOUNS.get(name, "items")
    point_at: PointAt = "value"
    message: str
    if kind == "missing":
        message, point_at = "required field is missing", "parent"
    elif kind == "extra_forbidden":
        owner = _annotation_at(model, loc[:-1])
        fields = tuple(owner.model_fields) if _is_model(owner) else ()
        message, point_at = unknown_field(str(loc[-1]), fields), "key"
    elif kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        message = _range_message(value, info, context)
    elif kind in ("int_type", "int_parsing", "int_from_float", "finite_number"):
        message = f"expected a whole number, got {show(value)}"
    elif kind in ("bool_type", "bool_parsing"):
        message = f"expected true or false, got {show(value)}"
    elif kind == "string_type":
        hint = "; quote it" if isinstance(value, int | float) else ""
        message = f"expected a string, got {show(value)}{hint}"
    elif kind == "string_too_short":
        message = "must not be empty"
        if name == "name":
            message += " (the empty key is the primary schedule's)"
    elif kind == "string_too_long":
        message = f"is {len(str(value))} characters long; at most {context['max_length']} allowed"
    elif kind == "string_pattern_mismatch":
        message = f"{show(value)} " + _PATTERN_MESSAGES.get(
            name, f"does not match {context.get('pattern')}"
        )
    elif kind == "list_type":
        message = f"expected a list of {noun}, got {kind_of(value)}"
    elif kind in ("too_short", "too_long"):
        message = _length_message(noun, info, context)
    elif kind == "dict_type":
        message = f"expected a mapping, got {kind_of(value)}"
    elif kind in ("model_type", "model_attributes_type"):
        message = f"expected a mapping of fields, got {kind_of(value)}"
    elif kind == "literal_error":
        message = f"{show(value)} is not one of {context.get('expected')}"
    elif kind == "timezone_aware":
        message = f"{show(value)} has no UTC offset; write it like {DATETIME_EXAMPLE}"
    elif kind.startswith(("datetime", "date")):
        message = f"{show(value)} is not an ISO 8601 date-time like {DATETIME_EXAMPLE}"
    else:
        text = str(detail["msg"])
        message = text[:1].lower() + text[1:]
    return Problem((*prefix, *loc), message, point_at)


def _range_message(value: Any, info: FieldInfo | None, context: Mapping[str, Any]) -> str:
    low: Any = context.get("ge", context.get("gt"))
    high: Any = context.get("le", context.get("lt"))
    for constraint in info.metadata if info else ():
        if isinstance(constraint, annotated_types.Ge):
            low = constraint.ge
        elif isinstance(constraint, annotated_types.Le):
            high = constraint.le
    shown = show(value)
    if low is not None and high is not None:
        return f"{shown} is out of range {low}-{high}"
    if low is not None:
        return f"{shown} is below the minimum {low}"
    return f"{shown} is above the maximum {high}"


def _length_message(noun: str, info: FieldInfo | None, context: Mapping[str, Any]) -> str:
    low: Any = context.get("min_length", 0)
    high: Any = context.get("max_length")
    for constraint in info.metadata if info else ():
        if isinstance(constraint, annotated_types.MinLen):
            low = constraint.min_length
        elif isinstance(constraint, annotated_types.MaxLen):
            high = constraint.max_length
    actual = context.get("actual_length")
    expected = f"{low}-{high}" if high is not None else f"at least {low}"
    return f"expected {expected} {noun}, got {actual}"


def _unwrap(annotation: Any) -> Any:
    """``X | None`` -> ``X``."""
    if get_origin(annotation) in (Union, UnionType):
        members = [arg for arg in get_args(annotation) if arg is not NoneType]
        if len(members) == 1:
            return members[0]
    return annotation


def _is_model(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def _annotation_at(model: type[BaseModel], loc: Loc) -> Any:
    annotation: Any = model
    for part in loc:
        annotation = _unwrap(annotation)
        if _is_model(annotation) and isinstance(part, str) and part in annotation.model_fields:
            annotation = annotation.model_fields[part].annotation
        elif get_origin(annotation) is list and isinstance(part, int):
            annotation = get_args(annotation)[0]
        elif get_origin(annotation) is dict:
            annotation = get_args(annotation)[1]
        else:
            return None
    return _unwrap(annotation)


def _field_info(model: type[BaseModel], loc: Loc) -> FieldInfo | None:
    """The pydantic field the last part of ``loc`` names, with its constraints."""
    if not loc or not isinstance(loc[-1], str):
        return None
    owner = _annotation_at(model, loc[:-1])
    if _is_model(owner):
        fields: dict[str, FieldInfo] = owner.model_fields
        return fields.get(loc[-1])
    return None


def unknown_field(name: str, allowed: Sequence[str]) -> str:
    close = difflib.get_close_matches(name, allowed, n=1, cutoff=0.6)
    if close:
        return f"unknown field; did you mean {close[0]!r}?"
    if len(allowed) <= 8:
        return "unknown field; expected one of " + ", ".join(repr(key) for key in allowed)
    return "unknown field"


def kind_of(value: Any) -> str:
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, int | float):
        return f"the number {show(value)}"
    if isinstance(value, str):
        return f"the string {show(value)}"
    return f"a {type(value).__name__}"


def show(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, int) and abs(value) >= 10**LONGEST_NUMBER_SHOWN:
        # str() refuses ints past 4300 digits; none that long is worth showing anyway.
        return f"a number of about {int(abs(value).bit_length() * math.log10(2)) + 1} digits"
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= _LONGEST_SHOWN else text[: _LONGEST_SHOWN - 3] + "..."
