"""A small Terraform document model and its two spellings: native HCL and ``.tf.json``.

The Terraform engine builds :class:`Block` trees once and renders them either way, so the two
output formats can never describe different configurations. The HCL spelling follows
``terraform fmt`` (two-space indent, aligned ``=`` in runs of one-line attributes), which keeps
the files readable and the golden files stable.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeAlias

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
_INDENT = "  "
_HCL_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"}
# Bare object keys that HCL would read as a literal or the start of a for expression.
_KEYWORDS = frozenset({"true", "false", "null", "for", "in", "if"})
# Lists of plain values longer than this (with their indentation) get one item per line.
_LINE_LENGTH = 100


@dataclass(frozen=True)
class Reference:
    """An HCL expression written as-is: a traversal such as ``aws_iam_role.scheduler.arn``."""

    expression: str


@dataclass(frozen=True)
class FunctionCall:
    """``name(argument)``, e.g. ``jsonencode({...})``; the argument is an ordinary value."""

    name: str
    argument: Value


Value: TypeAlias = (
    str | int | float | Reference | FunctionCall | Sequence["Value"] | Mapping[str, "Value"] | None
)


@dataclass(frozen=True)
class Attribute:
    name: str
    value: Value


@dataclass(frozen=True)
class Block:
    type: str
    labels: tuple[str, ...]
    body: tuple[Attribute | Block, ...]


# Meta-arguments whose .tf.json spelling is a bare reference rather than a "${...}" template.
_BARE_REFERENCE_LIST_ATTRIBUTES = frozenset({"depends_on"})
_BARE_REFERENCE_MAP_ATTRIBUTES = frozenset({"providers"})


def is_identifier(text: str) -> bool:
    return _IDENTIFIER.fullmatch(text) is not None


def _escape_character(character: str) -> str:
    """HCL knows only these escapes (not JSON's ``\\b`` or ``\\f``); other controls go as \\u."""
    escaped = _HCL_ESCAPES.get(character)
    if escaped is not None:
        return escaped
    return f"\\u{ord(character):04x}" if ord(character) < 0x20 or character == "\x7f" else character


def _string_literal(text: str) -> str:
    """A quoted HCL string whose value is exactly ``text`` (template sequences escaped)."""
    return _escape_template('"' + "".join(_escape_character(c) for c in text) + '"')


def _escape_template(text: str) -> str:
    return text.replace("${", "$${").replace("%{", "%%{")


def _object_key(key: str) -> str:
    return key if is_identifier(key) and key not in _KEYWORDS else _string_literal(key)


def _is_scalar(value: Value) -> bool:
    return value is None or isinstance(value, str | int | float | Reference)


def _inline(value: Value) -> str:
    """A value on one line: used for scalars, lists of scalars and inside ``.tf.json`` templates."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, str):
        return _string_literal(value)
    if isinstance(value, Reference):
        return value.expression
    if isinstance(value, FunctionCall):
        return f"{value.name}({_inline(value.argument)})"
    if isinstance(value, Mapping):
        if not value:
            return "{}"
        items = ", ".join(f"{_object_key(k)} = {_inline(v)}" for k, v in value.items())
        return f"{{ {items} }}"
    return f"[{', '.join(_inline(item) for item in value)}]"


def _multiline(value: Value, depth: int) -> list[str]:
    """The lines of a value that starts after ``name = `` at ``depth`` (first line unindented)."""
    if value is None or isinstance(value, str | int | float | Reference):
        return [_inline(value)]
    if isinstance(value, FunctionCall):
        lines = _multiline(value.argument, depth)
        lines[0] = f"{value.name}({lines[0]}"
        lines[-1] = f"{lines[-1]})"
        return lines
    if isinstance(value, Mapping):
        if not value:
            return ["{}"]
        inner = _assignments([(_object_key(k), v) for k, v in value.items()], depth + 1)
        return ["{", *inner, f"{_INDENT * depth}}}"]
    inline = _inline(value)
    if all(_is_scalar(item) for item in value) and len(_INDENT * depth + inline) <= _LINE_LENGTH:
        return [inline]
    lines = ["["]
    for item in value:
        item_lines = _multiline(item, depth + 1)
        item_lines[0] = f"{_INDENT * (depth + 1)}{item_lines[0]}"
        item_lines[-1] = f"{item_lines[-1]},"
        lines.extend(item_lines)
    lines.append(f"{_INDENT * depth}]")
    return lines


def _assignments(pairs: Sequence[tuple[str, Value]], depth: int) -> list[str]:
    """``name = value`` lines; as fmt does, ``=`` aligns across each run of one-line values."""
    rendered = [(name, _multiline(value, depth)) for name, value in pairs]
    widths = [len(name) for name, _ in rendered]
    run_start = 0
    for index in range(len(rendered) + 1):
        if index == len(rendered) or len(rendered[index][1]) > 1:
            run_width = max(widths[run_start:index], default=0)
            widths[run_start:index] = [run_width] * (index - run_start)
            run_start = index + 1
    lines: list[str] = []
    for (name, value_lines), width in zip(rendered, widths, strict=True):
        lines.append(f"{_INDENT * depth}{name.ljust(width)} = {value_lines[0]}")
        lines.extend(value_lines[1:])
    return lines


def _block_lines(block: Block, depth: int) -> list[str]:
    """A block; its body is runs of attributes and nested blocks, separated by blank lines."""
    header = " ".join([block.type, *(_string_literal(label) for label in block.labels)])
    segments: list[list[str]] = []
    pending: list[tuple[str, Value]] = []
    for item in block.body:
        if isinstance(item, Attribute):
            pending.append((item.name, item.value))
            continue
        if pending:
            segments.append(_assignments(pending, depth + 1))
            pending = []
        segments.append(_block_lines(item, depth + 1))
    if pending:
        segments.append(_assignments(pending, depth + 1))
    lines = [f"{_INDENT * depth}{header} {{"]
    for index, segment in enumerate(segments):
        if index:
            lines.append("")
        lines.extend(segment)
    lines.append(f"{_INDENT * depth}}}")
    return lines


def render_hcl(blocks: Sequence[Block]) -> str:
    """A ``.tf`` file: the blocks separated by blank lines, ending with a newline."""
    return "\n\n".join("\n".join(_block_lines(block, 0)) for block in blocks) + "\n"


def _json_value(value: Value) -> Any:
    if isinstance(value, Reference | FunctionCall):
        return f"${{{_inline(value)}}}"
    if isinstance(value, str):
        return _escape_template(value)
    if value is None or isinstance(value, int | float):
        return value
    if isinstance(value, Mapping):
        return {key: _json_value(item) for key, item in value.items()}
    return [_json_value(item) for item in value]


def _json_attribute(attribute: Attribute) -> Any:
    value = attribute.value
    if attribute.name in _BARE_REFERENCE_LIST_ATTRIBUTES and isinstance(value, Sequence):
        return [item.expression for item in value if isinstance(item, Reference)]
    if attribute.name in _BARE_REFERENCE_MAP_ATTRIBUTES and isinstance(value, Mapping):
        return {k: v.expression for k, v in value.items() if isinstance(v, Reference)}
    return _json_value(value)


def _json_body(body: Sequence[Attribute | Block]) -> dict[str, Any]:
    """A block body as a JSON object; nested blocks become arrays of objects, in order."""
    result: dict[str, Any] = {}
    for item in body:
        if isinstance(item, Attribute):
            result[item.name] = _json_attribute(item)
            continue
        path = (item.type, *item.labels)
        target = result
        for key in path[:-1]:
            target = target.setdefault(key, {})
        target.setdefault(path[-1], []).append(_json_body(item.body))
    return result


def render_json(blocks: Sequence[Block]) -> str:
    """A ``.tf.json`` file with the same blocks: top-level labels nest as object keys."""
    document: dict[str, Any] = {}
    for block in blocks:
        if not block.labels:
            document.setdefault(block.type, {}).update(_json_body(block.body))
            continue
        target = document.setdefault(block.type, {})
        for label in block.labels[:-1]:
            target = target.setdefault(label, {})
        body = _json_body(block.body)
        existing = target.get(block.labels[-1])
        if existing is None:
            target[block.labels[-1]] = body
        elif isinstance(existing, list):
            existing.append(body)
        else:
            target[block.labels[-1]] = [existing, body]
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
