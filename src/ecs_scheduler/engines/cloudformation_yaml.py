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


Intrinsic = Ref | GetAtt


def referenced_logical_ids(value: Any) -> Iterator[str]:
    """Every logical ID an intrinsic inside ``value`` points at (CloudFormation's implicit
    dependencies)."""
    if isinstance(value, Ref | GetAtt):
        yield value.logical_id
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from referenced_logical_ids(item)
    elif isinstance(value, list):
        for item in value:
            yield from referenced_logical_ids(item)


_SHORT_FORM_TAGS: Final = frozenset({"!Ref", "!GetAtt"})


def _represent_ref(dumper: SafeRepresenter, ref: Ref) -> yaml.ScalarNode:
    return dumper.represent_scalar("!Ref", ref.logical_id)


def _represent_get_att(dumper: SafeRepresenter, get_att: GetAtt) -> yaml.ScalarNode:
    return dumper.represent_scalar("!GetAtt", f"{get_att.logical_id}.{get_att.attribute}")


class PythonTemplateDumper(yaml.SafeDumper):
    """Block style, no anchors; PyYAML's own emitter, for installs without libyaml."""

    def ignore_aliases(self, data: Any) -> bool:
        return True

    def choose_scalar_style(self) -> str:
        # libyaml writes a tagged scalar plain when it can; PyYAML's emitter quotes every
        # custom tag. Logical IDs and attributes are alphanumeric, so plain is always safe.
        if isinstance(self.event, yaml.ScalarEvent) and self.event.tag in _SHORT_FORM_TAGS:
            return ""
        return str(super().choose_scalar_style())


PythonTemplateDumper.add_representer(Ref, _represent_ref)
PythonTemplateDumper.add_representer(GetAtt, _represent_get_att)

TemplateDumper: type[SafeRepresenter] = PythonTemplateDumper
if yaml.__with_libyaml__:

    class LibyamlTemplateDumper(yaml.CSafeDumper):
        """The same output as :class:`PythonTemplateDumper`, about twenty times faster."""

        def ignore_aliases(self, data: Any) -> bool:
            return True

    LibyamlTemplateDumper.add_representer(Ref, _represent_ref)
    LibyamlTemplateDumper.add_representer(GetAtt, _represent_get_att)
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
