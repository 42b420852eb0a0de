"""Reads a resource policy (an SNS topic policy, a KMS key policy) for one question: may this
AWS service principal make this request?

The answer follows the IAM evaluation logic for a single policy (IAM User Guide, "Policy
evaluation logic"): an explicit Deny that applies wins, otherwise an Allow that applies is
needed. What the reader knows about the request comes in three kinds:

- ``context``: condition keys the request carries, with their values;
- ``absent``: condition keys the request is known not to carry (a plain operator on such a
  key fails; ``...IfExists``, a negated operator and ``ForAllValues:`` hold, as in IAM);
- every other key is unknown: a condition on it is assumed to hold in an Allow and not to
  hold in a Deny, so an unusual but valid policy is never reported as refusing.

Condition keys and actions are compared case-insensitively (IAM User Guide, "IAM JSON policy
elements: Condition": key names are not case-sensitive; actions likewise).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from typing import Any, Final

# The string and ARN operators this reader evaluates. ArnEquals and ArnLike both take ``*`` and
# ``?`` wildcards (IAM User Guide, "IAM JSON policy elements: Condition operators", ARN
# condition operators); here they compare like StringLike on the whole ARN.
_EQUALS: Final = frozenset({"stringequals"})
_LIKE: Final = frozenset({"stringlike", "arnlike", "arnequals"})
_IGNORE_CASE: Final = "stringequalsignorecase"
_NEGATIONS: Final = {
    "stringnotequals": "stringequals",
    "stringnotlike": "stringlike",
    "arnnotequals": "arnequals",
    "arnnotlike": "arnlike",
    "stringnotequalsignorecase": _IGNORE_CASE,
}


@dataclass(frozen=True)
class ServiceRequest:
    """A request an AWS service principal (``events.amazonaws.com``) makes on a resource."""

    service: str
    action: str
    resource: str
    context: Mapping[str, str] = field(default_factory=dict)
    absent: frozenset[str] = frozenset()

    def value(self, key: str) -> str | None:
        return next((v for k, v in self.context.items() if k.lower() == key.lower()), None)

    def knows_absent(self, key: str) -> bool:
        return key.lower() in {name.lower() for name in self.absent}


def statements(document: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The statements of a policy document; a single statement may be written bare."""
    found = document.get("Statement", [])
    return [found] if isinstance(found, Mapping) else list(found)


def allows(document: Mapping[str, Any], request: ServiceRequest) -> bool:
    """Whether the policy lets the request through (see the module's docstring)."""
    allowed = False
    for statement in statements(document):
        if not _names_request(statement, request):
            continue
        verdicts = list(_condition_verdicts(statement.get("Condition"), request))
        if statement.get("Effect") == "Deny" and all(verdict is True for verdict in verdicts):
            return False
        if statement.get("Effect") == "Allow" and False not in verdicts:
            allowed = True
    return allowed


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _names_request(statement: Mapping[str, Any], request: ServiceRequest) -> bool:
    """Whether the statement's principal, action and resource elements cover the request."""
    if "NotPrincipal" in statement:
        principal_matches = not _names_service(statement["NotPrincipal"], request.service)
    else:
        principal_matches = _names_service(statement.get("Principal"), request.service)
    if "NotAction" in statement:
        action_matches = not _any_wildcard(statement["NotAction"], request.action, fold=True)
    else:
        action_matches = _any_wildcard(statement.get("Action"), request.action, fold=True)
    if "NotResource" in statement:
        resource_matches = not _any_wildcard(statement["NotResource"], request.resource)
    else:
        resource_matches = _any_wildcard(statement.get("Resource", "*"), request.resource)
    return principal_matches and action_matches and resource_matches


def _names_service(principal: Any, service: str) -> bool:
    """``"*"`` and ``{"AWS": "*"}`` name every principal, services included (IAM User Guide,
    "AWS JSON policy elements: Principal", anonymous principals)."""
    if principal == "*":
        return True
    if not isinstance(principal, Mapping):
        return False
    return "*" in _as_list(principal.get("AWS", [])) or service in _as_list(
        principal.get("Service", [])
    )


def _any_wildcard(patterns: Any, value: str, *, fold: bool = False) -> bool:
    if patterns is None:
        return False
    subject = value.lower() if fold else value
    return any(
        fnmatchcase(subject, str(pattern).lower() if fold else str(pattern))
        for pattern in _as_list(patterns)
    )


def _condition_verdicts(block: Any, request: ServiceRequest) -> Iterable[bool | None]:
    """One verdict per (operator, key) of a Condition block: True, False, or None (unknown)."""
    if not isinstance(block, Mapping):
        return
    for operator, keys in block.items():
        if not isinstance(keys, Mapping):
            yield None
            continue
        for key, expected in keys.items():
            yield _verdict(str(operator), str(key), _as_list(expected), request)


def _verdict(operator: str, key: str, expected: list[Any], request: ServiceRequest) -> bool | None:
    qualifier, _, name = operator.rpartition(":")
    name = name.lower()
    if_exists = name.endswith("ifexists")
    name = name.removesuffix("ifexists")
    value = request.value(key)
    if value is None:
        if not request.knows_absent(key):
            return None
        if name == "null":
            return "true" in [str(item).lower() for item in expected]
        return if_exists or name in _NEGATIONS or qualifier.lower() == "forallvalues"
    if name == "null":
        return "false" in [str(item).lower() for item in expected]
    negated = name in _NEGATIONS
    base = _NEGATIONS.get(name, name)
    if base in _EQUALS:
        matched = value in [str(item) for item in expected]
    elif base in _LIKE:
        matched = any(fnmatchcase(value, str(item)) for item in expected)
    elif base == _IGNORE_CASE:
        matched = value.lower() in [str(item).lower() for item in expected]
    else:
        return None  # a numeric, date, boolean or IP operator on a string key: not ours to judge
    return not matched if negated else matched
