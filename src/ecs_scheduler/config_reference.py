"""The field reference of docs/config.md, generated from the config's JSON Schema.

Every field's type, default, range and meaning come from the models (their pydantic
``Field`` descriptions), the same text ``ecs-scheduler schema`` prints, so the two cannot
drift apart. The reference sits between two markers in docs/config.md; the rest of that
file is written by hand. Regenerate it with::

    python -m ecs_scheduler.config_reference docs/config.md

and check it (exit 1 when out of date) with ``--check``.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ecs_scheduler.config import Job, json_schema

BEGIN = (
    "<!-- BEGIN GENERATED FIELD REFERENCE: edit the models' Field descriptions, then run "
    "`python -m ecs_scheduler.config_reference docs/config.md` -->"
)
END = "<!-- END GENERATED FIELD REFERENCE -->"

# Sections in reading order: the file, a job, then the parts of a job.
_SECTIONS: tuple[tuple[str, str], ...] = (
    ("", "Top level"),
    ("Job", "Job"),
    ("AdditionalSchedule", "AdditionalSchedule (an item of `additional_schedules`)"),
    ("TaskOverrides", "TaskOverrides (`overrides`)"),
    ("ContainerOverride", "ContainerOverride (an item of `containerOverrides`)"),
    ("KeyValuePair", "KeyValuePair (an item of `environment`)"),
    ("EnvironmentFile", "EnvironmentFile (an item of `environmentFiles`)"),
    ("ResourceRequirement", "ResourceRequirement (an item of `resourceRequirements`)"),
    ("EphemeralStorage", "EphemeralStorage (`ephemeralStorage`)"),
    (
        "CapacityProviderStrategyItem",
        "CapacityProviderStrategyItem (an item of `capacity_provider_strategy`)",
    ),
    ("PlacementConstraint", "PlacementConstraint (an item of `placement_constraints`)"),
    ("PlacementStrategy", "PlacementStrategy (an item of `placement_strategy`)"),
)


def field_reference() -> str:
    """The Markdown of every section, without the markers."""
    schema = json_schema()
    definitions: Mapping[str, Any] = schema["$defs"]
    missing = set(definitions) - {name for name, _ in _SECTIONS}
    if missing:
        raise AssertionError(f"no section of the reference for {sorted(missing)}")
    job_required = {name for name, info in Job.model_fields.items() if info.is_required()}
    parts: list[str] = []
    for name, title in _SECTIONS:
        model = schema if not name else definitions[name]
        required = job_required if name == "Job" else set(model.get("required", ()))
        parts.append(_section(name, title, model, required))
    return "\n".join(parts)


def _section(name: str, title: str, model: Mapping[str, Any], required: set[str]) -> str:
    anchor = f'<a id="{name.lower()}"></a>\n' if name else ""
    lines = [f"### {title}", "", anchor + _cell(model.get("description", "")).strip(), ""]
    lines += ["| field | type | default | range | meaning |", "|---|---|---|---|---|"]
    properties: Mapping[str, Any] = model["properties"]
    for field, prop in properties.items():
        default = "**required**" if field in required else _default(prop)
        lines.append(
            f"| `{field}` | {_type(prop)} | {default} | {_range(prop)} | "
            f"{_cell(prop.get('description', ''))} |"
        )
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _code(text: str) -> str:
    # A code span holding a backtick is opened and closed by two (CommonMark).
    return f"`` {_cell(text)} ``" if "`" in text else f"`{_cell(text)}`"


def _members(prop: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The alternatives of a property, without ``null`` (optional fields have a default)."""
    alternatives: Sequence[Mapping[str, Any]] = prop.get("anyOf", [prop])
    return [member for member in alternatives if member.get("type") != "null"]


def _type(prop: Mapping[str, Any]) -> str:
    return " or ".join(_one_type(member) for member in _members(prop))


def _one_type(prop: Mapping[str, Any]) -> str:
    if "$ref" in prop:
        target = str(prop["$ref"]).rsplit("/", 1)[-1]
        return f"[{target}](#{target.lower()})"
    if "enum" in prop:
        return "one of " + ", ".join(_code(str(value)) for value in prop["enum"])
    if "const" in prop:
        return _code(str(prop["const"]))
    kind = prop.get("type")
    if kind == "array":
        return f"list of {_one_type(prop.get('items', {}))}"
    if kind == "object":
        values = prop.get("additionalProperties")
        if prop.get("properties") is not None:
            return "mapping of job fields"
        if isinstance(values, Mapping) and values:
            return f"mapping of string to {_one_type(values)}"
        return "mapping"
    if kind == "string" and prop.get("format") == "date-time":
        return "date-time with UTC offset"
    return str(kind) if kind else "any"


def _default(prop: Mapping[str, Any]) -> str:
    if "default" not in prop:
        # Lists and mappings default to empty (pydantic's default_factory has no JSON value).
        kinds = {member.get("type") for member in _members(prop)}
        return "`[]`" if kinds == {"array"} else "`{}`" if kinds == {"object"} else "none"
    value = prop["default"]
    return "none" if value is None else _code(json.dumps(value))


def _bounds(low: Any, high: Any, unit: str) -> str:
    if low is not None and high is not None:
        return f"{low}-{high}{unit}"
    if low is not None:
        return f"≥ {low}{unit}"
    return f"≤ {high}{unit}" if high is not None else ""


def _range(prop: Mapping[str, Any]) -> str:
    rules: list[str] = []
    for member in _members(prop):
        rules += [
            _bounds(member.get("minimum"), member.get("maximum"), ""),
            _bounds(member.get("minLength"), member.get("maxLength"), " characters"),
            _bounds(member.get("minItems"), member.get("maxItems"), " items"),
            _bounds(member.get("minProperties"), member.get("maxProperties"), " entries"),
        ]
        rules += _text_rules(member, "")
        items = member.get("items")
        if isinstance(items, Mapping):
            rules += _text_rules(items, "each ")
        if member.get("uniqueItems"):
            rules.append("distinct")
        names = member.get("propertyNames")
        if isinstance(names, Mapping):
            rules += _text_rules(names, "keys ")
    return "; ".join(rule for rule in rules if rule)


def _text_rules(prop: Mapping[str, Any], prefix: str) -> list[str]:
    """The patterns a string must match (and must not), and its format."""
    patterns = [prop] + [part for part in prop.get("allOf", ()) if isinstance(part, Mapping)]
    rules = [prefix + _code(str(part["pattern"])) for part in patterns if "pattern" in part]
    rules += [
        f"{prefix}not {_code(str(part['not']['pattern']))}"
        for part in patterns
        if isinstance(part.get("not"), Mapping) and "pattern" in part["not"]
    ]
    if "format" in prop and prop["format"] != "date-time":
        rules.append(f"{prefix}format {_code(str(prop['format']))}")
    return rules


def updated(document: str) -> str:
    """``document`` with the text between the markers replaced by the current reference."""
    start = document.find(BEGIN)
    end = document.find(END)
    if start < 0 or end < start:
        raise ValueError(f"the markers {BEGIN!r} and {END!r} are missing or out of order")
    return document[: start + len(BEGIN)] + "\n\n" + field_reference() + "\n" + document[end:]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Regenerate the field reference of a doc.")
    parser.add_argument("path", type=Path, help="the Markdown file holding the markers")
    parser.add_argument("--check", action="store_true", help="exit 1 if it is out of date")
    arguments = parser.parse_args(argv)
    path: Path = arguments.path
    current = path.read_text(encoding="utf-8")
    fresh = updated(current)
    if arguments.check:
        if fresh != current:
            print(f"{path}: the field reference is out of date; regenerate it", file=sys.stderr)
            return 1
        return 0
    path.write_text(fresh, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
