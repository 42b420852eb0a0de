"""A small IAM policy evaluator, written for the tests: enough of IAM to check our policies.

It follows the IAM evaluation logic for one policy: an explicit Deny wins, otherwise an
Allow is needed. Supported: Action and Resource with ``*`` / ``?`` wildcards (actions are
case-insensitive), ``Principal`` (``*``, ``{"Service": ...}`` or ``{"AWS": <ARN>}``) for
resource-based and trust policies, and the condition operators our policies use: StringEquals,
StringLike, ArnEquals, ArnLike, Bool, each optionally prefixed by ``ForAnyValue:`` or
``ForAllValues:``, and the negated ArnNotEquals. As in IAM, the operators of a block are ANDed,
the keys of an operator are ANDed, the values of a key are ORed, and a key absent from the
request fails every operator except ``ForAllValues:`` and the negated ones, which it satisfies.
A plain operator given a multi-valued context key matches when any of the request's values
matches; a negated one holds when none of them matches.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

ContextValue = str | Sequence[str]


class Decision(Enum):
    ALLOW = "Allow"
    EXPLICIT_DENY = "ExplicitDeny"
    IMPLICIT_DENY = "ImplicitDeny"


@dataclass(frozen=True)
class Request:
    action: str
    resource: str
    context: Mapping[str, ContextValue] = field(default_factory=dict)
    principal_service: str | None = None  # the calling service, for resource-based policies
    principal_arn: str | None = None  # the calling IAM principal (a role's ARN for its sessions)


def _wildcard(pattern: str, *, ignore_case: bool = False) -> re.Pattern[str]:
    regex = "".join(
        ".*" if char == "*" else "." if char == "?" else re.escape(char) for char in pattern
    )
    return re.compile(regex, re.IGNORECASE | re.DOTALL if ignore_case else re.DOTALL)


def wildcard_match(pattern: str, value: str, *, ignore_case: bool = False) -> bool:
    return _wildcard(pattern, ignore_case=ignore_case).fullmatch(value) is not None


def _arn_match(pattern: str, value: str) -> bool:
    """ArnEquals/ArnLike: the six colon-separated parts match one by one, with wildcards."""
    pattern_parts = pattern.split(":", 5)
    value_parts = value.split(":", 5)
    if len(pattern_parts) != 6 or len(value_parts) != 6:
        return False
    return all(wildcard_match(p, v) for p, v in zip(pattern_parts, value_parts, strict=True))


_VALUE_MATCHERS: dict[str, Callable[[str, str], bool]] = {
    "StringEquals": lambda expected, actual: expected == actual,
    "StringLike": wildcard_match,
    "ArnEquals": _arn_match,
    "ArnLike": _arn_match,
    "Bool": lambda expected, actual: expected.lower() == actual.lower(),
}
# Negated operators: true when no expected value matches, and when the key is absent.
_NEGATED_OPERATORS: dict[str, str] = {"ArnNotEquals": "ArnEquals"}


def _as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list | tuple) else [value]


def _condition_holds(operator: str, key: str, expected: Any, context: Mapping[str, Any]) -> bool:
    qualifier, _, base_operator = operator.rpartition(":")
    if not qualifier and base_operator in _NEGATED_OPERATORS:
        return not _condition_holds(_NEGATED_OPERATORS[base_operator], key, expected, context)
    matcher = _VALUE_MATCHERS[base_operator]
    expected_values = [str(value) for value in _as_list(expected)]
    if key not in context:
        return qualifier == "ForAllValues"
    actual_values = [str(value) for value in _as_list(context[key])]

    def matches(actual: str) -> bool:
        return any(matcher(value, actual) for value in expected_values)

    if qualifier == "ForAllValues":
        return all(matches(actual) for actual in actual_values)
    if qualifier in ("ForAnyValue", ""):
        return any(matches(actual) for actual in actual_values)
    raise ValueError(f"unsupported condition qualifier {qualifier!r}")


def _principal_matches(principal: Any, request: Request) -> bool:
    if principal == "*":
        return True
    services = _as_list(principal.get("Service", []))
    if request.principal_service is not None and request.principal_service in services:
        return True
    identities = _as_list(principal.get("AWS", []))
    return request.principal_arn is not None and (
        "*" in identities or request.principal_arn in identities
    )


def _statement_applies(statement: Mapping[str, Any], request: Request) -> bool:
    if "Principal" in statement and not _principal_matches(statement["Principal"], request):
        return False
    if not any(
        wildcard_match(action, request.action, ignore_case=True)
        for action in _as_list(statement["Action"])
    ):
        return False
    # Trust policies have no Resource: they apply to the role they are attached to.
    if "Resource" in statement and not any(
        wildcard_match(resource, request.resource) for resource in _as_list(statement["Resource"])
    ):
        return False
    return all(
        _condition_holds(operator, key, expected, request.context)
        for operator, block in statement.get("Condition", {}).items()
        for key, expected in block.items()
    )


def evaluate(document: Mapping[str, Any], request: Request) -> Decision:
    applying = [s for s in _as_list(document["Statement"]) if _statement_applies(s, request)]
    if any(statement["Effect"] == "Deny" for statement in applying):
        return Decision.EXPLICIT_DENY
    if any(statement["Effect"] == "Allow" for statement in applying):
        return Decision.ALLOW
    return Decision.IMPLICIT_DENY
