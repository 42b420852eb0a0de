"""One canonical form for desired and live properties, so that a diff shows only real changes.

Both sides go through :func:`canonical_form` (``registry.canonical_properties``): the model's
request-shaped properties and the live state projected back into the same request shape by
the reader. The canonical form drops identity fields and empty values (an empty list and an
absent list mean the same to AWS), canonicalises policy documents and turns timestamps into
ISO 8601 strings in UTC; each kind's own part (the defaults its service fills in when a field
is omitted, lists it keeps in no order, JSON text it returns) is its service module's
:data:`KindShape`, built from the helpers here. A plan right after an apply is empty because
of this.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from ecs_scheduler import resources
from ecs_scheduler.kinds import KINDS
from ecs_scheduler.resources import ResourceType

# Policy-valued fields are compared (and shown in a diff) as one value.
POLICY_FIELDS = frozenset({"AssumeRolePolicyDocument", "PolicyDocument", "Policy"})

KindShape = Callable[[dict[str, Any]], dict[str, Any]]
"""A kind's own part of the canonical form, given its fields without the identity ones: the
defaults its service fills in for an omitted field, lists whose order it ignores sorted, JSON
text parsed. Each service module writes its kinds' shapes (``ServiceOperations.canonical``)."""


def canonical_form(
    resource_type: ResourceType, properties: Mapping[str, Any], shape: KindShape
) -> dict[str, Any]:
    """The canonical form of request-shaped ``properties`` of a resource of ``resource_type``,
    whose own part is ``shape``: without identity fields, policies canonical, empty values
    dropped. ``registry.canonical_properties`` gives each kind its service's shape."""
    identity = KINDS[resource_type].identity_fields
    fields = shape({key: value for key, value in properties.items() if key not in identity})
    for key in POLICY_FIELDS & fields.keys():
        fields[key] = canonical_policy(fields[key])
    pruned = _prune(fields)
    assert isinstance(pruned, dict)
    return pruned


def canonical_policy(document: Any) -> Any:
    """An IAM policy document in one shape: statements sorted, every list a sorted list."""
    if isinstance(document, str):
        if not document:
            return None
        document = json.loads(document)
    if not isinstance(document, Mapping):
        return document
    statements = document.get("Statement", [])
    if isinstance(statements, Mapping):
        statements = [statements]
    canonical_statements = [_canonical_statement(statement) for statement in statements]
    canonical_statements.sort(key=lambda statement: json.dumps(statement, sort_keys=True))
    result = {key: value for key, value in document.items() if key != "Statement"}
    result["Statement"] = canonical_statements
    return result


def _canonical_statement(statement: Mapping[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in statement.items():
        if key in {"Action", "NotAction", "Resource", "NotResource"}:
            result[key] = _string_set(value)
        elif key in {"Principal", "NotPrincipal"}:
            # A live document may hold shapes IAM itself would not write (e.g. ["*"]): compare
            # them as they are rather than fail the whole plan.
            if isinstance(value, Mapping):
                result[key] = {kind: _string_set(ids) for kind, ids in value.items()}
            elif isinstance(value, list | tuple):
                result[key] = _string_set(value)
            else:
                result[key] = value
        elif (
            key == "Condition"
            and isinstance(value, Mapping)
            and all(isinstance(tests, Mapping) for tests in value.values())
        ):
            result[key] = {
                operator: {name: _string_set(values) for name, values in tests.items()}
                for operator, tests in value.items()
            }
        else:
            result[key] = value
    return result


def _string_set(value: Any) -> list[str]:
    values = value if isinstance(value, list | tuple) else [value]
    return sorted({attribute_string(item) for item in values})


def attribute_string(value: Any) -> str:
    """SQS attributes and IAM condition values travel as strings; booleans in lower case."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Mapping | list):
        return json.dumps(value, sort_keys=True, separators=(",", ":"))
    return str(value)


def start_date_passed(start_date: Any) -> bool:
    """The model's rule (:func:`ecs_scheduler.resources.start_date_passed`) applied now, to a
    desired or live start date: a passed one is treated as none on both sides, and apply does
    not send it."""
    if start_date is None:
        return False
    moment = datetime.fromisoformat(canonical_timestamp(start_date))
    return resources.start_date_passed(moment, datetime.now(UTC))


def canonical_timestamp(value: Any) -> str:
    """A timestamp as ISO 8601 in UTC, to the second (the precision AWS keeps)."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if isinstance(value, int | float):
        value = datetime.fromtimestamp(value, tz=UTC)
    if not isinstance(value, datetime):
        raise TypeError(f"not a timestamp: {value!r}")
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return str(value.astimezone(UTC).replace(microsecond=0).isoformat())


def with_defaults(fields: Mapping[str, Any], defaults: Mapping[str, Any]) -> dict[str, Any]:
    result = dict(fields)
    for key, value in defaults.items():
        if result.get(key) is None:
            result[key] = value
    return result


def _prune(value: Any) -> Any:
    """Drops None, empty strings, lists and maps, recursively; tuples become lists."""
    if isinstance(value, Mapping):
        pruned = {key: _prune(item) for key, item in value.items()}
        return {key: item for key, item in pruned.items() if not _is_empty(item)}
    if isinstance(value, list | tuple):
        pruned_items = [_prune(item) for item in value]  # once each: twice doubled per level
        return [item for item in pruned_items if not _is_empty(item)]
    if isinstance(value, datetime):
        return canonical_timestamp(value)
    return value


def _is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, str | list | dict) and len(value) == 0)


def diff(old: Any, new: Any, path: str = "") -> dict[str, tuple[Any, Any]]:
    """Changed leaves between two canonical values, by dotted field path: path -> (old, new).

    Lists and policy documents compare as one value: a changed element shows the whole list.
    A map that appears or disappears shows each of its fields, as ``terraform plan`` does.
    """
    both_maps = isinstance(old, Mapping | None) and isinstance(new, Mapping | None)
    if (
        both_maps
        and (old is not None or new is not None)
        and path.rpartition(".")[2] not in POLICY_FIELDS
    ):
        old = old or {}
        new = new or {}
        changes: dict[str, tuple[Any, Any]] = {}
        for key in sorted(old.keys() | new.keys()):
            changes.update(diff(old.get(key), new.get(key), f"{path}.{key}" if path else key))
        return changes
    if old == new:
        return {}
    return {path: (old, new)}
