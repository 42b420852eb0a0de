"""YAML text -> plain values, each value's line and column kept by its path.

The file is composed into YAML nodes (never constructed blindly), so every value keeps its
line and column; positions are kept by the path of the value (``("jobs", "report",
"task_count")``). Scalars follow YAML 1.2 (only true/false are booleans; date-times stay
strings), and nesting, aliases and merge keys are bounded so that a hostile file costs
little to read.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import yaml

from ecs_scheduler.config_messages import (
    DATETIME_EXAMPLE,
    LONGEST_NUMBER_SHOWN,
    ConfigIssue,
    Loc,
    Mark,
    PointAt,
    Problem,
    dotted,
    show,
)

# YAML aliases can expand a small file into a huge (or cyclic) tree: stop well before that.
MAX_NODES = 200_000
MAX_DEPTH = 64

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

    # PyYAML's scanner keeps one possible simple key per flow level and walks all of them
    # before each token (yaml/scanner.py, these two methods), so a line of n '[' costs n²
    # steps before the composer reaches MAX_DEPTH: 2 s for "[" * 1500. A key is only ever
    # saved at the innermost level, and leaving a level drops its key, so the dict holds its
    # keys in the order of their levels, which is also the order of their token numbers and
    # positions: the nearest key is the first one, and the stale ones (on an earlier line, or
    # more than 1024 characters back) are the first few. These walk only those; the tokens
    # and errors are PyYAML's (tests/config/test_yaml_scanner.py).

    def next_possible_simple_key(self) -> int | None:
        for key in self.possible_simple_keys.values():
            return int(key.token_number)
        return None

    def stale_possible_simple_keys(self) -> None:
        stale: list[int] = []
        for level, key in self.possible_simple_keys.items():
            if key.line == self.line and self.index - key.index <= 1024:
                break
            if key.required:
                raise yaml.scanner.ScannerError(
                    "while scanning a simple key",
                    key.mark,
                    "could not find expected ':'",
                    self.get_mark(),
                )
            stale.append(level)
        for level in stale:
            del self.possible_simple_keys[level]


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag not in (_BOOL_TAG, _TIMESTAMP_TAG)]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    _BOOL_TAG, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


class TooBigError(Exception):
    """The document nests or expands beyond what a config file needs; ``mark`` is where."""

    def __init__(self, message: str, mark: yaml.Mark | None) -> None:
        super().__init__(message)
        self.mark = mark


def _too_deep(mark: yaml.Mark | None) -> TooBigError:
    return TooBigError(
        f"the document nests deeper than {MAX_DEPTH} levels (recursive alias?)", mark
    )


class Document:
    """The positions of one file's values and the problems found in it."""

    def __init__(self, filename: str) -> None:
        self.filename = filename
        self.values: dict[Loc, Mark] = {}
        self.keys: dict[Loc, Mark] = {}
        self.problems: list[Problem] = []
        self.warnings: list[Problem] = []
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
        # The position of each YAML mark, made once: merges read the same keys again and again.
        self._marks: dict[yaml.Mark, Mark] = {}

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
                Problem(
                    (),
                    f"YAML syntax error: {_yaml_problem(error)}",
                    mark=Mark.of(mark) if mark else None,
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
                Problem(
                    (),
                    f"the file contains a character YAML does not allow: {character}",
                    mark=Mark(line, column),
                )
            )
        except yaml.YAMLError as error:
            self.problems.append(Problem((), f"invalid YAML: {error}"))
        except TooBigError as error:
            self.problems.append(
                Problem((), str(error), mark=Mark.of(error.mark) if error.mark else None)
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
            raise TooBigError(
                f"the document expands to more than {MAX_NODES} values (YAML aliases?)",
                # The outermost mapping whose merges expand, else the value that crossed.
                (self._merging[0] if self._merging else node).start_mark,
            )

    def _build(self, node: yaml.Node, loc: Loc, depth: int) -> Any:
        self._count(node)
        if depth > MAX_DEPTH:
            raise _too_deep(node.start_mark)
        self.values.setdefault(loc, Mark.of(node.start_mark))
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

    def _mark(self, mark: yaml.Mark) -> Mark:
        made = self._marks.get(mark)
        if made is None:
            made = self._marks[mark] = Mark.of(mark)
        return made

    def _unsupported_tag(self, node: yaml.Node, loc: Loc) -> None:
        self._unreadable(node, loc, f"unsupported YAML tag {node.tag!r}")

    def _unreadable(self, node: yaml.Node, loc: Loc, message: str) -> None:
        self.unreadable.add(loc)
        self.problems.append(Problem(loc, message, mark=Mark.of(node.start_mark)))

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
                    Problem(
                        loc,
                        "mapping keys must be plain strings",
                        mark=Mark.of(key_node.start_mark),
                    )
                )
                continue
            key = str(key_node.value)
            if key in own:
                first = self.keys[(*loc, key)]
                self.problems.append(
                    Problem(
                        (*loc, key),
                        f"duplicate key {key!r} (first defined at line {first.line})",
                        mark=Mark.of(key_node.start_mark),
                    )
                )
                continue
            own[key] = value_node
            self.keys[(*loc, key)] = self._mark(key_node.start_mark)
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
                        Problem(
                            loc,
                            "a '<<' merge key takes a mapping or a list of mappings",
                            mark=Mark.of(source.start_mark),
                        )
                    )
                    continue
                if any(source is merging for merging in self._merging):
                    self.problems.append(
                        Problem(
                            loc,
                            "a '<<' merge key refers to a mapping that contains it (a cycle)",
                            mark=Mark.of(merge_key.start_mark),
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

    def issues(self, problems: Sequence[Problem]) -> tuple[ConfigIssue, ...]:
        issues = dict.fromkeys(
            self._issue(problem)
            for problem in problems
            if problem.mark is not None or not self._is_unreadable(problem.loc)
        )
        # A stable sort: problems at one position keep the order they were found in.
        return tuple(sorted(issues, key=lambda issue: (issue.line or 0, issue.column or 0)))

    def _is_unreadable(self, loc: Loc) -> bool:
        return any(loc[: len(unreadable)] == unreadable for unreadable in self.unreadable)

    def _issue(self, problem: Problem) -> ConfigIssue:
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
            rule=problem.rule,
        )

    def _locate(self, loc: Loc, point_at: PointAt) -> Mark | None:
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
    shown = show(node.value)
    if node.tag == _INT_TAG:
        digits = sum(character.isdigit() for character in node.value)
        if digits > LONGEST_NUMBER_SHOWN:
            return f"{shown} is too large: a whole number of {digits} digits"
        return f"{shown} is not a whole number (!!int)"
    if node.tag == _FLOAT_TAG:
        return f"{shown} is not a number (!!float)"
    if node.tag == _BOOL_TAG:
        return f"{shown} is not true or false (!!bool)"
    if node.tag == _TIMESTAMP_TAG:
        return f"{shown} is not a date or timestamp like {DATETIME_EXAMPLE} (!!timestamp)"
    return f"{shown} cannot be read as {node.tag!r}"


def _yaml_problem(error: yaml.MarkedYAMLError) -> str:
    problem, context = error.problem, error.context
    if problem and context and problem.startswith("but "):
        return f"{context}, {problem}"
    if problem and context:
        return f"{problem} ({context})"
    return problem or context or "invalid YAML"
