"""The CloudFormation intrinsic functions the export uses, and a deterministic YAML writer.

Intrinsics are written in their short form (``!Ref Queue``, ``!GetAtt Role.Arn``), which is
what people write by hand and what reviewers expect to read.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Final

import yaml
from yaml.representer import SafeRepresenter


@dataclass(frozen=True)
class Ref:
    """``!Ref`` to a parameter or a resource of the template."""

    logical_id: str


@dataclass(frozen=True)
class GetAtt:
    """``!GetAtt <logical_id>.<attribute>``."""

    logical_id: str
    attribute: str


@dataclass(frozen=True)
class Condition:
    """``!Condition <name>``, inside the condition functions."""

    name: str


@dataclass(frozen=True)
class Function:
    """A function taking a list, written in flow style: ``!If [Cond, !Ref A, !Ref B]``."""

    name: str  # If, Not, Equals, Or
    arguments: tuple[Any, ...]


Intrinsic = Ref | GetAtt | Condition | Function

NO_VALUE: Final = Ref("AWS::NoValue")


def referenced_logical_ids(value: Any) -> Iterator[str]:
    """Every logical ID an intrinsic inside ``value`` points at (CloudFormation's implicit
    dependencies)."""
    if isinstance(value, Ref | GetAtt):
        yield value.logical_id
    elif isinstance(value, Function):
        yield from referenced_logical_ids(list(value.arguments))
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from referenced_logical_ids(item)
    elif isinstance(value, list):
        for item in value:
            yield from referenced_logical_ids(item)


_SHORT_FORM_TAGS: Final = frozenset({"!Ref", "!GetAtt", "!Condition"})


def _represent_ref(dumper: SafeRepresenter, ref: Ref) -> yaml.ScalarNode:
    return dumper.represent_scalar("!Ref", ref.logical_id)


def _represent_get_att(dumper: SafeRepresenter, get_att: GetAtt) -> yaml.ScalarNode:
    return dumper.represent_scalar("!GetAtt", f"{get_att.logical_id}.{get_att.attribute}")


def _represent_condition(dumper: SafeRepresenter, condition: Condition) -> yaml.ScalarNode:
    return dumper.represent_scalar("!Condition", condition.name)


def _represent_function(dumper: SafeRepresenter, function: Function) -> yaml.SequenceNode:
    flow = not any(isinstance(argument, Mapping) for argument in function.arguments)
    return dumper.represent_sequence(f"!{function.name}", function.arguments, flow_style=flow)


def _add_representers(dumper: type[SafeRepresenter]) -> None:
    dumper.add_representer(Ref, _represent_ref)
    dumper.add_representer(GetAtt, _represent_get_att)
    dumper.add_representer(Condition, _represent_condition)
    dumper.add_representer(Function, _represent_function)


class PythonTemplateDumper(yaml.SafeDumper):
    """Block style, no anchors; PyYAML's own emitter, for installs without libyaml."""

    def ignore_aliases(self, data: Any) -> bool:
        return True

    def choose_scalar_style(self) -> str:
        # PyYAML's emitter quotes every scalar with a custom tag; libyaml writes it plain
        # wherever plain is valid in that context (``!Ref Queue``), and so do we.
        if isinstance(self.event, yaml.ScalarEvent) and self.event.tag in _SHORT_FORM_TAGS:
            if self.analysis is None:
                self.analysis = self.analyze_scalar(self.event.value)
            if (
                self.analysis.allow_flow_plain
                if self.flow_level
                else self.analysis.allow_block_plain
            ):
                return ""
        return str(super().choose_scalar_style())


_add_representers(PythonTemplateDumper)

TemplateDumper: type[SafeRepresenter] = PythonTemplateDumper
if yaml.__with_libyaml__:

    class LibyamlTemplateDumper(yaml.CSafeDumper):
        """The same output as :class:`PythonTemplateDumper`, about twenty times faster."""

        def ignore_aliases(self, data: Any) -> bool:
            return True

    _add_representers(LibyamlTemplateDumper)
    TemplateDumper = LibyamlTemplateDumper

# Long descriptions and JSON inputs stay on one line, so a diff shows whole values.
_NO_FOLDING = 1 << 20


def dump_template(
    template: Mapping[str, Any], dumper: type[SafeRepresenter] = TemplateDumper
) -> str:
    """The template as YAML; keys keep the order they were built in."""
    return yaml.dump(
        template,
        Dumper=dumper,
        sort_keys=False,
        default_flow_style=False,
        allow_unicode=True,
        width=_NO_FOLDING,
    )
