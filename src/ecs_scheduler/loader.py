"""YAML file -> validated :class:`~ecs_scheduler.config.Stack`, or every error of the file at once.

The file is composed into YAML nodes (never constructed blindly), so every value keeps its
line and column; positions are kept by the path of the value (``("jobs", "report",
"task_count")``). Values then go through three passes, and the problems of all three are
reported together, sorted by line:

1. structure: the top level, ``stack``, job keys, unknown fields, ``defaults:`` merging and
   deprecated fields;
2. pydantic, field by field, with its messages rewritten into ours;
3. rules across fields (ARN agreement, launch-type-only fields, schedule windows…), which run
   on the raw values and skip any value pydantic already rejects.

Every problem reads ``FILE:LINE:COL: dotted.path: message``.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from types import NoneType, UnionType
from typing import Any, Literal, Union, get_args, get_origin

import annotated_types
import yaml
from pydantic import AwareDatetime, BaseModel, TypeAdapter, ValidationError
from pydantic.fields import FieldInfo

from ecs_scheduler.config import (
    ARN_WITHOUT_WILDCARDS_PATTERN,
    CLUSTER_NAME_PATTERN,
    DEPRECATED_JOB_FIELDS,
    NAME_PATTERN,
    SCHEDULE_EXPRESSION_MAX_LENGTH,
    TAG_TEXT_PATTERN,
    Arn,
    Job,
    Stack,
    TagKeyText,
    TagValueText,
    parse_arn,
)
from ecs_scheduler.errors import EcsSchedulerError
from ecs_scheduler.expressions import (
    FIRST_YEAR,
    LAST_YEAR,
    AtExpression,
    Expression,
    ExpressionError,
    first_fire_time,
    load_timezone,
    never_fires_reason,
    parse,
)

Loc = tuple[str | int, ...]

MAX_FILE_BYTES = 10 * 1024 * 1024
# YAML aliases can expand a small file into a huge (or cyclic) tree: stop well before that.
MAX_NODES = 200_000
_LONGEST_SHOWN = 60  # characters of a value quoted in a message
_LONGEST_NUMBER_SHOWN = 50  # digits
MAX_DEPTH = 64
MAX_TAGS = 50
# Tags ecs-scheduler puts on every resource itself (DESIGN §4); a user tag may not shadow them.
OWN_TAG_KEYS = frozenset(
    {"ResourceOwner", "BillingEntity", "BillingDomain", "SecurityDomain", "ManagedBy"}
)
OWN_TAG_PREFIX = "ecs-scheduler:"
STACK_FIELDS = ("stack", "defaults", "jobs")


@dataclass(frozen=True)
class ConfigIssue:
    """One problem of a config file, at the value it is about."""

    file: str
    line: int | None
    column: int | None
    path: str
    message: str

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        return f"{where}: {self.path}: {self.message}" if self.path else f"{where}: {self.message}"


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
    document = _Document(filename)
    root = document.read(text)
    stack = _Validator(document, now or datetime.now(UTC)).validate(root)
    if document.problems:
        raise ConfigError(document.issues(document.problems), document.issues(document.warnings))
    if stack is None:
        raise AssertionError("a stack without problems is always built")
    return LoadResult(stack=stack, warnings=document.issues(document.warnings), path=filename)


def _file_error(filename: str, message: str) -> ConfigError:
    return ConfigError([ConfigIssue(filename, None, None, "", message)])


# --------------------------------------------------------------------------- YAML with positions


@dataclass(frozen=True)
class _Mark:
    line: int
    column: int

    @classmethod
    def of(cls, mark: yaml.Mark) -> _Mark:
        return cls(mark.line + 1, mark.column + 1)


PointAt = Literal["value", "key", "parent"]


@dataclass(frozen=True)
class _Problem:
    loc: Loc
    message: str
    point_at: PointAt = "value"
    mark: _Mark | None = None
    # A rule comparing several fields: when reported at ``defaults:``, name the job it is about.
    about_job: bool = False


_BOOL_TAG = "tag:yaml.org,2002:bool"
_INT_TAG = "tag:yaml.org,2002:int"
_FLOAT_TAG = "tag:yaml.org,2002:float"
_TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"
_MERGE_TAG = "tag:yaml.org,2002:merge"
_MAP_TAG = "tag:yaml.org,2002:map"
_SEQ_TAG = "tag:yaml.org,2002:seq"


class _Loader(yaml.SafeLoader):
    """YAML 1.2-style scalars: only true/false are booleans (``no`` stays the string ``no``),
    and date-times stay strings so that pydantic checks their offset."""

    _composing_depth = 0

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        """PyYAML composes nested nodes by recursion, so a file of a thousand ``[`` would end
        in RecursionError: stop at MAX_DEPTH instead, at the line of the node too deep."""
        if self._composing_depth > MAX_DEPTH:
            raise _too_deep(self.peek_event().start_mark)  # type: ignore[no-untyped-call]
        self._composing_depth += 1
        try:
            node: yaml.Node | None = super().compose_node(parent, index)
        finally:
            self._composing_depth -= 1
        return node


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag not in (_BOOL_TAG, _TIMESTAMP_TAG)]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    _BOOL_TAG, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


class _TooBigError(Exception):
    """The document nests or expands beyond what a config file needs; ``mark`` is where."""

    def __init__(self, message: str, mark: yaml.Mark | None) -> None:
        super().__init__(message)
        self.mark = mark


def _too_deep(mark: yaml.Mark | None) -> _TooBigError:
    return _TooBigError(
        f"the document nests deeper than {MAX_DEPTH} levels (recursive alias?)", mark
    )


class _Document:
    """The positions of one file's values and the problems found in it."""

    def __init__(self, filename: str) -> None:
        self.filename = filename
        self.values: dict[Loc, _Mark] = {}
        self.keys: dict[Loc, _Mark] = {}
        self.problems: list[_Problem] = []
        self.warnings: list[_Problem] = []
        # (job, field) pairs whose value was merged in from ``defaults:``.
        self.from_defaults: set[tuple[str, str]] = set()
        # Values the YAML itself could not give (an unsupported tag): their problem is
        # reported once, and whatever validation says about them after is left out.
        self.unreadable: set[Loc] = set()
        self._nodes = 0
        # The mappings whose '<<' merges are being read, innermost last: a merge of one of
        # them is a cycle, and a chain of merges is as deep as the nesting it stands for.
        self._merging: list[yaml.MappingNode] = []
        self._loader: _Loader | None = None

    def read(self, text: str) -> Any:
        """The document's value; ``None`` for an empty document or one YAML cannot read."""
        try:
            # The reader checks every character when it is created: keep it inside the try.
            self._loader = _Loader(text)
            node = self._loader.get_single_node()
            return None if node is None else self._build(node, (), 0)
        except yaml.MarkedYAMLError as error:
            mark = error.problem_mark or error.context_mark
            self.problems.append(
                _Problem(
                    (),
                    f"YAML syntax error: {_yaml_problem(error)}",
                    mark=_Mark.of(mark) if mark else None,
                )
            )
        except yaml.reader.ReaderError as error:
            line = text.count("\n", 0, error.position) + 1
            column = error.position - (text.rfind("\n", 0, error.position) + 1) + 1
            character = (
                f"U+{error.character:04X}"
                if isinstance(error.character, int)
                else repr(error.character)
            )
            self.problems.append(
                _Problem(
                    (),
                    f"the file contains a character YAML does not allow: {character}",
                    mark=_Mark(line, column),
                )
            )
        except yaml.YAMLError as error:
            self.problems.append(_Problem((), f"invalid YAML: {error}"))
        except _TooBigError as error:
            self.problems.append(
                _Problem((), str(error), mark=_Mark.of(error.mark) if error.mark else None)
            )
        finally:
            if self._loader is not None:
                self._loader.dispose()
        return None

    def _count(self, node: yaml.Node) -> None:
        """Count one value read, built or merged: aliases and merge keys repeat what they
        refer to, so this (not the file's size) bounds the time and memory of reading it."""
        self._nodes += 1
        if self._nodes > MAX_NODES:
            raise _TooBigError(
                f"the document expands to more than {MAX_NODES} values (YAML aliases?)",
                # The outermost mapping whose merges expand, else the value that crossed.
                (self._merging[0] if self._merging else node).start_mark,
            )

    def _build(self, node: yaml.Node, loc: Loc, depth: int) -> Any:
        self._count(node)
        if depth > MAX_DEPTH:
            raise _too_deep(node.start_mark)
        self.values.setdefault(loc, _Mark.of(node.start_mark))
        if isinstance(node, yaml.MappingNode):
            if node.tag != _MAP_TAG:
                self._unsupported_tag(node, loc)
            return {
                key: self._build(value_node, (*loc, key), depth + 1)
                for key, value_node in self._entries(node, loc).items()
            }
        if isinstance(node, yaml.SequenceNode):
            if node.tag != _SEQ_TAG:
                self._unsupported_tag(node, loc)
            return [
                self._build(item, (*loc, index), depth + 1) for index, item in enumerate(node.value)
            ]
        assert isinstance(node, yaml.ScalarNode)
        assert self._loader is not None
        try:
            return self._loader.construct_object(node, deep=True)
        except yaml.constructor.ConstructorError:
            self._unsupported_tag(node, loc)
        # PyYAML's scalar constructors raise whatever their conversion raises for text that
        # does not fit the tag (int() refusing 5000 digits, bool's dict lookup, the timestamp
        # regexp not matching): any of them means this one value cannot be read.
        except Exception:
            self._unreadable(node, loc, _unconstructible(node))
        return node.value

    def _unsupported_tag(self, node: yaml.Node, loc: Loc) -> None:
        self._unreadable(node, loc, f"unsupported YAML tag {node.tag!r}")

    def _unreadable(self, node: yaml.Node, loc: Loc, message: str) -> None:
        self.unreadable.add(loc)
        self.problems.append(_Problem(loc, message, mark=_Mark.of(node.start_mark)))

    def _entries(self, node: yaml.MappingNode, loc: Loc) -> dict[str, yaml.Node]:
        """The mapping's keys and value nodes: its own first, then those of ``<<`` merges."""
        own: dict[str, yaml.Node] = {}
        merged: dict[str, yaml.Node] = {}
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE_TAG:
                sources = self._merge_sources(node, key_node, value_node, loc)
                for key, merged_node in sources.items():
                    merged.setdefault(key, merged_node)
                continue
            if not isinstance(key_node, yaml.ScalarNode):
                self.problems.append(
                    _Problem(
                        loc,
                        "mapping keys must be plain strings",
                        mark=_Mark.of(key_node.start_mark),
                    )
                )
                continue
            key = str(key_node.value)
            if key in own:
                first = self.keys[(*loc, key)]
                self.problems.append(
                    _Problem(
                        (*loc, key),
                        f"duplicate key {key!r} (first defined at line {first.line})",
                        mark=_Mark.of(key_node.start_mark),
                    )
                )
                continue
            own[key] = value_node
            self.keys[(*loc, key)] = _Mark.of(key_node.start_mark)
        for key, merged_node in merged.items():
            own.setdefault(key, merged_node)
        return own

    def _merge_sources(
        self, mapping: yaml.MappingNode, merge_key: yaml.Node, node: yaml.Node, loc: Loc
    ) -> dict[str, yaml.Node]:
        sources = node.value if isinstance(node, yaml.SequenceNode) else [node]
        entries: dict[str, yaml.Node] = {}
        self._merging.append(mapping)
        try:
            if len(self._merging) > MAX_DEPTH:
                raise _too_deep(self._merging[0].start_mark)
            for source in sources:
                self._count(source)
                if not isinstance(source, yaml.MappingNode):
                    self.problems.append(
                        _Problem(
                            loc,
                            "a '<<' merge key takes a mapping or a list of mappings",
                            mark=_Mark.of(source.start_mark),
                        )
                    )
                    continue
                if any(source is merging for merging in self._merging):
                    self.problems.append(
                        _Problem(
                            loc,
                            "a '<<' merge key refers to a mapping that contains it (a cycle)",
                            mark=_Mark.of(merge_key.start_mark),
                        )
                    )
                    continue
                for key, value_node in self._entries(source, loc).items():
                    # Merged entries are values read again: they count like aliased values.
                    self._count(value_node)
                    entries.setdefault(key, value_node)
        finally:
            self._merging.pop()
        return entries

    # ----------------------------------------------------------------------- reporting

    def issues(self, problems: Sequence[_Problem]) -> tuple[ConfigIssue, ...]:
        issues = dict.fromkeys(
            self._issue(problem)
            for problem in problems
            if problem.mark is not None or not self._is_unreadable(problem.loc)
        )
        # A stable sort: problems at one position keep the order they were found in.
        return tuple(sorted(issues, key=lambda issue: (issue.line or 0, issue.column or 0)))

    def _is_unreadable(self, loc: Loc) -> bool:
        return any(loc[: len(unreadable)] == unreadable for unreadable in self.unreadable)

    def _issue(self, problem: _Problem) -> ConfigIssue:
        loc = problem.loc
        message = problem.message
        if len(loc) >= 3 and loc[0] == "jobs" and (loc[1], loc[2]) in self.from_defaults:
            if problem.about_job:
                message += f" (job {loc[1]!r})"
            loc = ("defaults", *loc[2:])
        mark = problem.mark or self._locate(loc, problem.point_at)
        return ConfigIssue(
            file=self.filename,
            line=mark.line if mark else None,
            column=mark.column if mark else None,
            path=dotted(loc),
            message=message,
        )

    def _locate(self, loc: Loc, point_at: PointAt) -> _Mark | None:
        if point_at == "value" and loc in self.values:
            return self.values[loc]
        if point_at != "parent" and loc in self.keys:
            return self.keys[loc]
        for end in range(len(loc) - 1, -1, -1):
            parent = loc[:end]
            mark = self.keys.get(parent) or self.values.get(parent)
            if mark is not None:
                return mark
        return None

    def alias_position(self, alias: Loc, original: Loc) -> None:
        """Report problems of ``alias`` (a value the loader moved) at ``original``."""
        if original in self.values:
            self.values[alias] = self.values[original]


def _unconstructible(node: yaml.ScalarNode) -> str:
    """Why a scalar's text does not fit its (explicit or resolved) tag."""
    shown = _show(node.value)
    if node.tag == _INT_TAG:
        digits = sum(character.isdigit() for character in node.value)
        if digits > _LONGEST_NUMBER_SHOWN:
            return f"{shown} is too large: a whole number of {digits} digits"
        return f"{shown} is not a whole number (!!int)"
    if node.tag == _FLOAT_TAG:
        return f"{shown} is not a number (!!float)"
    if node.tag == _BOOL_TAG:
        return f"{shown} is not true or false (!!bool)"
    if node.tag == _TIMESTAMP_TAG:
        return f"{shown} is not a date or timestamp like {_DATETIME_EXAMPLE} (!!timestamp)"
    return f"{shown} cannot be read as {node.tag!r}"


def _yaml_problem(error: yaml.MarkedYAMLError) -> str:
    problem, context = error.problem, error.context
    if problem and context and problem.startswith("but "):
        return f"{context}, {problem}"
    if problem and context:
        return f"{problem} ({context})"
    return problem or context or "invalid YAML"


def dotted(loc: Loc) -> str:
    """The path as users read it: ``jobs.a.additional_schedules[0].name``."""
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else part
    return text


# --------------------------------------------------------------------------- validation


class _Validator:
    def __init__(self, document: _Document, now: datetime) -> None:
        self.document = document
        self.now = now

    def problem(self, loc: Loc, message: str, point_at: PointAt = "value") -> None:
        self.document.problems.append(_Problem(loc, message, point_at))

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
                f"the top level must be a mapping with 'stack' and 'jobs', not {_kind_of(root)}",
            )
            return None
        for key in root:
            if key not in STACK_FIELDS and not key.startswith("x-"):
                self.problem((key,), _unknown_field(key, STACK_FIELDS), "key")
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
                f"{_show(name)} is not a valid stack name: use 1-32 lowercase letters, "
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
                ("defaults",), f"expected a mapping of job fields, got {_kind_of(defaults)}"
            )
            return {}
        allowed = (*Job.model_fields, *DEPRECATED_JOB_FIELDS)
        for key in defaults:
            if key not in allowed:
                self.problem(("defaults", key), _unknown_field(key, allowed), "key")
        known = {key: value for key, value in defaults.items() if key in allowed}
        self._fold_deprecated(("defaults",), known)
        return known

    def _jobs(self, root: dict[str, Any], defaults: dict[str, Any]) -> dict[str, Job] | None:
        if "jobs" not in root:
            self.problem(("jobs",), "required field is missing", "parent")
            return None
        raw_jobs = root["jobs"]
        if raw_jobs is not None and not isinstance(raw_jobs, dict):
            self.problem(
                ("jobs",),
                f"expected a mapping of job keys to job fields, got {_kind_of(raw_jobs)}",
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
                    ("jobs", key), f"expected a mapping of job fields, got {_kind_of(raw_job)}"
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
        self._fold_deprecated(loc, own)
        merged = {**defaults, **own}
        self.document.from_defaults.update((key, name) for name in defaults if name not in own)
        job: Job | None = None
        try:
            job = Job.model_validate(merged)
        except ValidationError as error:
            for detail in error.errors(include_url=False):
                self.document.problems.append(_pydantic_problem(Job, loc, detail))
        rules = _JobRules(merged, self.now)
        for found in rules.check():
            self.document.problems.append(replace(found, loc=(*loc, *found.loc)))
        for warning in rules.warnings:
            self.document.warnings.append(replace(warning, loc=(*loc, *warning.loc)))
        return job

    def _fold_deprecated(self, loc: Loc, job: dict[str, Any]) -> None:
        """Move each deprecated field of ``job`` (a job's own fields or ``defaults``) into its
        replacement, with a warning; problems of the moved value point where it is written."""
        for old, new in DEPRECATED_JOB_FIELDS.items():
            if old not in job:
                continue
            value = job.pop(old)
            self.document.warnings.append(
                _Problem(
                    (*loc, old),
                    f"{old} is deprecated: use {new} (its value is added to {new})",
                    "key",
                )
            )
            if not isinstance(value, str):
                self.problem((*loc, old), f"expected a security group id, got {_show(value)}")
                continue
            current = job.get(new)
            if current is None:
                job[new] = [value]
                self.document.alias_position((*loc, new), (*loc, old))
                self.document.alias_position((*loc, new, 0), (*loc, old))
            elif isinstance(current, list) and value not in current:
                job[new] = [*current, value]
                self.document.alias_position((*loc, new, len(current)), (*loc, old))


# --------------------------------------------------------------------------- pydantic messages

_LIST_NOUNS = {
    "trusted_compute_subnets": "subnet ids",
    "security_group_ids": "security group ids",
    "dlq_alarm_actions": "SNS topic ARNs",
    "dlq_ok_actions": "SNS topic ARNs",
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
_DATETIME_EXAMPLE = "2026-01-01T06:00:00+00:00"


def _pydantic_problem(model: type[BaseModel], prefix: Loc, detail: Mapping[str, Any]) -> _Problem:
    loc: Loc = tuple(detail["loc"])
    kind: str = detail["type"]
    value = detail.get("input")
    context: Mapping[str, Any] = detail.get("ctx") or {}
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
        message, point_at = _unknown_field(str(loc[-1]), fields), "key"
    elif kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        message = _range_message(value, info, context)
    elif kind in ("int_type", "int_parsing", "int_from_float", "finite_number"):
        message = f"expected a whole number, got {_show(value)}"
    elif kind in ("bool_type", "bool_parsing"):
        message = f"expected true or false, got {_show(value)}"
    elif kind == "string_type":
        hint = "; quote it" if isinstance(value, int | float) else ""
        message = f"expected a string, got {_show(value)}{hint}"
    elif kind == "string_too_short":
        message = "must not be empty"
        if name == "name":
            message += " (the empty key is the primary schedule's)"
    elif kind == "string_too_long":
        message = f"is {len(str(value))} characters long; at most {context['max_length']} allowed"
    elif kind == "string_pattern_mismatch" and context.get("pattern") == (
        ARN_WITHOUT_WILDCARDS_PATTERN
    ):
        message = (
            f"{_show(value)} holds a wildcard ('*' or '?'): it goes into an IAM policy, "
            "where it would match other resources; name exactly one"
        )
    elif kind == "string_pattern_mismatch" and context.get("pattern") == TAG_TEXT_PATTERN:
        message = f"{_show(value)} becomes a tag value: {_TAG_CHARACTERS}"
    elif kind == "string_pattern_mismatch":
        message = f"{_show(value)} " + _PATTERN_MESSAGES.get(
            name, f"does not match {context.get('pattern')}"
        )
    elif kind == "list_type":
        message = f"expected a list of {noun}, got {_kind_of(value)}"
    elif kind in ("too_short", "too_long"):
        message = _length_message(noun, info, context)
    elif kind == "dict_type":
        message = f"expected a mapping, got {_kind_of(value)}"
    elif kind in ("model_type", "model_attributes_type"):
        message = f"expected a mapping of fields, got {_kind_of(value)}"
    elif kind == "literal_error":
        message = f"{_show(value)} is not one of {context.get('expected')}"
    elif kind == "timezone_aware":
        message = f"{_show(value)} has no UTC offset; write it like {_DATETIME_EXAMPLE}"
    elif kind.startswith(("datetime", "date")):
        message = f"{_show(value)} is not an ISO 8601 date-time like {_DATETIME_EXAMPLE}"
    else:
        text = str(detail["msg"])
        message = text[:1].lower() + text[1:]
    return _Problem((*prefix, *loc), message, point_at)


def _range_message(value: Any, info: FieldInfo | None, context: Mapping[str, Any]) -> str:
    low: Any = context.get("ge", context.get("gt"))
    high: Any = context.get("le", context.get("lt"))
    for constraint in info.metadata if info else ():
        if isinstance(constraint, annotated_types.Ge):
            low = constraint.ge
        elif isinstance(constraint, annotated_types.Le):
            high = constraint.le
    shown = _show(value)
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


def _unknown_field(name: str, allowed: Sequence[str]) -> str:
    close = difflib.get_close_matches(name, allowed, n=1, cutoff=0.6)
    if close:
        return f"unknown field; did you mean {close[0]!r}?"
    if len(allowed) <= 8:
        return "unknown field; expected one of " + ", ".join(repr(key) for key in allowed)
    return "unknown field"


def _kind_of(value: Any) -> str:
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, int | float):
        return f"the number {_show(value)}"
    if isinstance(value, str):
        return f"the string {_show(value)}"
    return f"a {type(value).__name__}"


def _show(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, int) and abs(value) >= 10**_LONGEST_NUMBER_SHOWN:
        # str() refuses ints past 4300 digits; none that long is worth showing anyway.
        return f"a number of about {int(abs(value).bit_length() * math.log10(2)) + 1} digits"
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= _LONGEST_SHOWN else text[: _LONGEST_SHOWN - 3] + "..."


# --------------------------------------------------------------------------- cross-field rules

_CLUSTER_RESOURCE = re.compile(r"^cluster/(?P<name>[A-Za-z0-9_-]{1,255})$")
_REGION = re.compile(r"^[a-z]{2}(?:-[a-z]+)+-\d{1,2}$")
_KMS_RESOURCE = re.compile(
    r"^(?:key/(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32})"
    r"|alias/[A-Za-z0-9/_-]{1,250})$"
)
_ROLE_RESOURCE = re.compile(r"^role/(?:[\x21-\x7e]*/)?[\w+=,.@-]{1,64}$")
_POLICY_RESOURCE = re.compile(r"^policy/(?:[\x21-\x7e]*/)?[\w+=,.@-]{1,128}$")
_TOPIC_RESOURCE = re.compile(r"^[A-Za-z0-9_-]{1,256}(?:\.fifo)?$")
_SUBNET_ID = re.compile(r"^subnet-[0-9a-f]{8,17}$")
_SECURITY_GROUP_ID = re.compile(r"^sg-[0-9a-f]{8,17}$")
_TAG_KEY: TypeAdapter[str] = TypeAdapter(TagKeyText)
_TAG_VALUE: TypeAdapter[str] = TypeAdapter(TagValueText)
_TAG_CHARACTERS = (
    "IAM and SQS tags allow only letters, digits, spaces and _ . : / = + - @"
    " (no '&', ',', '<', '>' or line breaks)"
)
_AWARE_DATETIME: TypeAdapter[datetime] = TypeAdapter(AwareDatetime)


@dataclass(frozen=True)
class _Cluster:
    arn: str
    partition: str
    region: str
    account: str


@dataclass
class _JobRules:
    """The rules across fields of one job, on its raw (merged) values.

    Each rule looks only at values of the right type: a value of the wrong type is already
    reported by pydantic, and reporting it twice would bury the real message.
    """

    job: dict[str, Any]
    now: datetime
    found: list[_Problem] = field(default_factory=list)
    warnings: list[_Problem] = field(default_factory=list)
    # A date that is wrong on its own leaves no window to check the schedules against.
    unusable_dates: bool = False

    def check(self) -> list[_Problem]:
        cluster = self._cluster()
        self._arns(cluster)
        self._network()
        self._launch_type()
        self._capacity_provider_bases()
        self._placement()
        self._schedules()
        for name, budget in (("tags", MAX_TAGS - len(OWN_TAG_KEYS) - 2), ("task_tags", MAX_TAGS)):
            self._tags(name, budget)
        return self.found

    def add(
        self, loc: Loc, message: str, point_at: PointAt = "value", *, across_fields: bool = False
    ) -> None:
        """Record a problem; ``across_fields`` when it comes from comparing several fields."""
        self.found.append(_Problem(loc, message, point_at, about_job=across_fields))

    # ----------------------------------------------------------------------- ARNs

    def _cluster(self) -> _Cluster | None:
        text = self.job.get("ecs_cluster_arn")
        if not isinstance(text, str) or _has_wildcard(text):
            return None  # a wildcard is reported by pydantic
        arn = parse_arn(text)
        resource = _CLUSTER_RESOURCE.fullmatch(arn.resource) if arn else None
        if (
            arn is None
            or resource is None
            or arn.service != "ecs"
            or _REGION.fullmatch(arn.region) is None
            or not arn.account.isdigit()
        ):
            self.add(
                ("ecs_cluster_arn",),
                f"{text!r} is not an ECS cluster ARN "
                "(arn:<partition>:ecs:<region>:<12-digit account>:cluster/<name>)",
            )
            return None
        name = self.job.get("cluster_name")
        if (
            isinstance(name, str)
            and re.fullmatch(CLUSTER_NAME_PATTERN, name) is not None
            and name != resource["name"]
        ):
            self.add(
                ("cluster_name",),
                f"{name!r} does not match the cluster of ecs_cluster_arn ({resource['name']!r})",
                across_fields=True,
            )
        return _Cluster(text, arn.partition, arn.region, arn.account)

    def _arns(self, cluster: _Cluster | None) -> None:
        self._arn(("kms_key_arn",), "kms", _KMS_RESOURCE, "a KMS key or alias ARN", cluster)
        for name in ("task_role_arn", "execution_role_arn"):
            self._arn((name,), "iam", _ROLE_RESOURCE, "an IAM role ARN", cluster)
        self._arn(
            ("permissions_boundary_arn",), "iam", _POLICY_RESOURCE, "an IAM policy ARN", cluster
        )
        for name in ("dlq_alarm_actions", "dlq_ok_actions"):
            items = self.job.get(name)
            for index, _ in enumerate(items if isinstance(items, list) else ()):
                self._arn((name, index), "sns", _TOPIC_RESOURCE, "an SNS topic ARN", cluster)
        for loc in self._overrides():
            for name in ("taskRoleArn", "executionRoleArn"):
                self._arn((*loc, name), "iam", _ROLE_RESOURCE, "an IAM role ARN", cluster)

    def _overrides(self) -> Iterator[Loc]:
        if isinstance(self.job.get("overrides"), dict):
            yield ("overrides",)
        for index, schedule in self._additional():
            if isinstance(schedule.get("overrides"), dict):
                yield ("additional_schedules", index, "overrides")

    def _value(self, loc: Loc) -> Any:
        value: Any = self.job
        for part in loc:
            if isinstance(part, int):
                value = value[part] if isinstance(value, list) and part < len(value) else None
            else:
                value = value.get(part) if isinstance(value, dict) else None
        return value

    def _arn(
        self,
        loc: Loc,
        service: str,
        resource: re.Pattern[str],
        what: str,
        cluster: _Cluster | None,
    ) -> None:
        text = self._value(loc)
        if not isinstance(text, str) or _has_wildcard(text):
            return  # a wildcard is reported by pydantic
        arn = parse_arn(text)
        regional = service != "iam"
        # Only AWS managed policies live in the pseudo-account "aws".
        account_ok = arn is not None and (
            arn.account.isdigit() or (arn.account == "aws" and resource is _POLICY_RESOURCE)
        )
        if (
            arn is None
            or not account_ok
            or arn.service != service
            or resource.fullmatch(arn.resource) is None
            or (_REGION.fullmatch(arn.region) is None if regional else arn.region != "")
        ):
            self.add(loc, f"{text!r} is not {what}")
            return
        if cluster is not None:
            disagreement = _disagreement(arn, cluster, regional)
            if disagreement:
                self.add(loc, f"{text!r} {disagreement}", across_fields=True)

    # ----------------------------------------------------------------------- network, launch type

    def _network(self) -> None:
        for name, pattern, what in (
            ("trusted_compute_subnets", _SUBNET_ID, "subnet id (subnet-<8-17 hex digits>)"),
            (
                "security_group_ids",
                _SECURITY_GROUP_ID,
                "security group id (sg-<8-17 hex digits>)",
            ),
        ):
            items = self.job.get(name)
            seen: dict[str, int] = {}
            for index, item in enumerate(items if isinstance(items, list) else ()):
                if not isinstance(item, str):
                    continue
                if pattern.fullmatch(item) is None:
                    self.add((name, index), f"{item!r} is not a {what}")
                elif item in seen:
                    self.add((name, index), f"duplicate {item!r} (also item {seen[item]})")
                else:
                    seen[item] = index

    def _launch_type(self) -> None:
        launch_type = self.job.get("launch_type")
        strategy = self.job.get("capacity_provider_strategy")
        if launch_type is not None and isinstance(strategy, list) and strategy:
            self.add(
                ("capacity_provider_strategy",),
                f"cannot be combined with launch_type ({launch_type}): set one or the other",
                across_fields=True,
            )
            return
        if launch_type is None and isinstance(strategy, list) and strategy:
            return  # the capacity providers decide the launch type
        effective = launch_type if isinstance(launch_type, str) else "FARGATE"
        how = f"launch type is {effective}" + (" (the default)" if launch_type is None else "")
        if effective != "FARGATE":
            if self.job.get("platform_version") is not None:
                self.add(
                    ("platform_version",),
                    f"applies only to FARGATE; this job's {how}",
                    across_fields=True,
                )
            if self.job.get("assign_public_ip") is True:
                self.add(
                    ("assign_public_ip",),
                    f"true needs FARGATE; this job's {how}",
                    across_fields=True,
                )
        if effective != "EC2":
            for name in ("placement_constraints", "placement_strategy"):
                value = self.job.get(name)
                if isinstance(value, list) and value:
                    self.add((name,), f"applies only to EC2; this job's {how}", across_fields=True)

    def _capacity_provider_bases(self) -> None:
        # "Only one capacity provider in a capacity provider strategy can have a base defined."
        strategy = self.job.get("capacity_provider_strategy")
        first: tuple[int, int] | None = None  # (index, base) of the first item with a base
        for index, item in enumerate(strategy if isinstance(strategy, list) else ()):
            base = item.get("base") if isinstance(item, dict) else None
            if not isinstance(base, int) or isinstance(base, bool) or base <= 0:
                continue
            if first is None:
                first = (index, base)
            else:
                self.add(
                    ("capacity_provider_strategy", index, "base"),
                    "only one capacity provider of a strategy may have a base above 0;"
                    f" item {first[0]} already has base {first[1]}",
                )

    def _placement(self) -> None:
        strategies = self.job.get("placement_strategy")
        for index, item in enumerate(strategies if isinstance(strategies, list) else ()):
            if not isinstance(item, dict):
                continue
            kind, by = item.get("type"), item.get("field")
            if kind == "random" and by is not None:
                self.add(("placement_strategy", index, "field"), "random placement takes no field")
            elif kind == "spread" and by is None:
                self.add(
                    ("placement_strategy", index),
                    "spread placement needs a field, e.g. attribute:ecs.availability-zone",
                )
            elif kind == "binpack" and by not in ("cpu", "memory"):
                self.add(
                    ("placement_strategy", index, "field" if by is not None else "type"),
                    "binpack placement needs field cpu or memory",
                )
        constraints = self.job.get("placement_constraints")
        for index, item in enumerate(constraints if isinstance(constraints, list) else ()):
            if not isinstance(item, dict):
                continue
            kind, expression = item.get("type"), item.get("expression")
            if kind == "memberOf" and expression is None:
                self.add(
                    ("placement_constraints", index, "type"),
                    "memberOf needs an expression, e.g. attribute:ecs.instance-type =~ m6i.*",
                )
            elif kind == "distinctInstance" and expression is not None:
                self.add(
                    ("placement_constraints", index, "expression"),
                    "distinctInstance takes no expression",
                )

    # ----------------------------------------------------------------------- schedules

    def _additional(self) -> Iterator[tuple[int, dict[str, Any]]]:
        schedules = self.job.get("additional_schedules")
        for index, schedule in enumerate(schedules if isinstance(schedules, list) else ()):
            if isinstance(schedule, dict):
                yield index, schedule

    def _schedules(self) -> None:
        job_timezone = self._timezone(("timezone",), self.job.get("timezone", "UTC"))
        job_start = self._date(("start_date",))
        job_end = self._date(("end_date",))
        self._schedule((), self.job, job_timezone, job_start, job_end, own_dates=True)
        names: dict[str, int] = {}
        for index, schedule in self._additional():
            loc: Loc = ("additional_schedules", index)
            name = schedule.get("name")
            if isinstance(name, str):
                if name in names:
                    self.add(
                        (*loc, "name"),
                        f"duplicate schedule name {name!r} "
                        f"(also additional_schedules[{names[name]}])",
                    )
                else:
                    names[name] = index
            timezone = (
                self._timezone((*loc, "timezone"), schedule["timezone"])
                if schedule.get("timezone") is not None
                else job_timezone
            )
            own_start = schedule.get("start_date") is not None
            own_end = schedule.get("end_date") is not None
            start = self._date((*loc, "start_date")) if own_start else job_start
            end = self._date((*loc, "end_date")) if own_end else job_end
            self._schedule(loc, schedule, timezone, start, end, own_dates=own_start or own_end)

    def _timezone(self, loc: Loc, name: Any) -> str | None:
        if not isinstance(name, str):
            return None
        try:
            load_timezone(name)
        except ExpressionError as error:
            self.add(loc, str(error))
            return None
        return name

    def _date(self, loc: Loc) -> datetime | None:
        value = self._value(loc)
        if value is None:
            return None
        try:
            moment = _AWARE_DATETIME.validate_python(value)
        except ValidationError:
            self.unusable_dates = True  # reported by pydantic
            return None
        if not FIRST_YEAR <= moment.year <= LAST_YEAR:
            self.add(loc, f"{moment.isoformat()} is outside the years {FIRST_YEAR}-{LAST_YEAR}")
            self.unusable_dates = True
            return None
        return moment

    def _schedule(
        self,
        loc: Loc,
        schedule: dict[str, Any],
        timezone: str | None,
        start: datetime | None,
        end: datetime | None,
        *,
        own_dates: bool,
    ) -> None:
        text = schedule.get("schedule_expression")
        if not isinstance(text, str):
            return
        try:
            expression: Expression = parse(text)
        except ExpressionError as error:
            self.add((*loc, "schedule_expression"), str(error))
            return
        if len(text) > SCHEDULE_EXPRESSION_MAX_LENGTH:
            self.add(
                (*loc, "schedule_expression"),
                f"is {len(text)} characters long; Scheduler takes at most "
                f"{SCHEDULE_EXPRESSION_MAX_LENGTH}",
            )
            return
        if isinstance(expression, AtExpression):
            # Such an at() never fires; say why rather than only that it never fires.
            if not FIRST_YEAR <= expression.at.year <= LAST_YEAR:
                self.add(
                    (*loc, "schedule_expression"),
                    f"at(): the year must be between {FIRST_YEAR} and {LAST_YEAR}",
                )
                return
            for name in ("start_date", "end_date"):
                if schedule.get(name) is not None:
                    self.add(
                        (*loc, name),
                        "cannot be used with at(): a one-time schedule fires once, at its own time",
                        across_fields=True,
                    )
            start = end = None
        elif start is not None and end is not None and start >= end:
            if own_dates:
                self.add(
                    (*loc, "end_date" if schedule.get("end_date") is not None else "start_date"),
                    f"end_date {end.isoformat()} is not after start_date {start.isoformat()}",
                    across_fields=True,
                )
            return
        if timezone is None or self.unusable_dates:
            return
        # Validity does not depend on today's date; a schedule that is valid but over by now
        # is only worth a warning (the same file stays valid when read again later).
        first = first_fire_time(expression, timezone, start_date=start, end_date=end)
        upcoming = first_fire_time(
            expression, timezone, start_date=start, end_date=end, after=self.now
        )
        if first is None:
            window = " between its start_date and end_date" if start or end else ""
            self.add(
                (*loc, "schedule_expression"),
                f"{text} never fires{window}{never_fires_reason(expression, timezone)}",
                across_fields=bool(window),
            )
        elif upcoming is None:
            instant = self.now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
            self.warnings.append(
                _Problem(
                    (*loc, "schedule_expression"),
                    f"{text} will not fire again after {instant}",
                    about_job=True,
                )
            )

    # ----------------------------------------------------------------------- tags

    def _tags(self, name: str, budget: int) -> None:
        tags = self.job.get(name)
        if not isinstance(tags, dict):
            return
        if len(tags) > budget:
            self.add((name,), f"has {len(tags)} tags; at most {budget} allowed")
        # IAM tag keys are not case sensitive ("you can't have separate Department and
        # department tag keys", IAM User Guide, Tagging IAM resources): the user's tags go on
        # the role; ECS task tags do not, and ECS keeps keys of different case apart.
        on_role = name == "tags"
        own_keys = {own.lower() for own in OWN_TAG_KEYS}
        seen: dict[str, str] = {}
        for key, value in tags.items():
            loc: Loc = (name, key)
            folded = key.lower()
            if folded.startswith("aws:"):
                self.add(loc, "the tag key prefix 'aws:' is reserved by AWS", "key")
            elif key.startswith(OWN_TAG_PREFIX) or key in OWN_TAG_KEYS:
                self.add(loc, "this tag key is set by ecs-scheduler itself", "key")
            elif on_role and (folded.startswith(OWN_TAG_PREFIX) or folded in own_keys):
                self.add(
                    loc,
                    "differs only in letter case from a tag key ecs-scheduler sets itself;"
                    " IAM tag keys ignore case",
                    "key",
                )
            elif not _fits(_TAG_KEY, key):
                self.add(
                    loc,
                    "a tag key must be 1-128 letters, digits, spaces or _ . : / = + - @",
                    "key",
                )
            elif on_role and folded in seen:
                self.add(
                    loc,
                    f"differs only in letter case from tag key {seen[folded]!r};"
                    " IAM tag keys ignore case",
                    "key",
                )
            seen.setdefault(folded, key)
            if isinstance(value, str) and not _fits(_TAG_VALUE, value):
                self.add(
                    loc,
                    f"{_show(value)}: a tag value must be 1-256 letters, digits, spaces "
                    "or _ . : / = + - @ (Scheduler and SQS refuse an empty value)",
                )


def _fits(adapter: TypeAdapter[str], text: str) -> bool:
    try:
        adapter.validate_python(text)
    except ValidationError:
        return False
    return True


def _has_wildcard(text: str) -> bool:
    return re.fullmatch(ARN_WITHOUT_WILDCARDS_PATTERN, text) is None


def _disagreement(arn: Arn, cluster: _Cluster, regional: bool) -> str | None:
    if arn.partition != cluster.partition:
        return f"is in partition {arn.partition}, but ecs_cluster_arn is in {cluster.partition}"
    if arn.account not in (cluster.account, "aws"):
        return f"is in account {arn.account}, but ecs_cluster_arn is in account {cluster.account}"
    if regional and arn.region != cluster.region:
        return f"is in region {arn.region}, but ecs_cluster_arn is in region {cluster.region}"
    return None
