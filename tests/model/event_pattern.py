"""An EventBridge event-pattern evaluator, written for the tests: enough to check our patterns.

It follows the matching AWS documents (EventBridge User Guide, "Amazon EventBridge event
patterns", "Content filtering in Amazon EventBridge event patterns", "Arrays in Amazon
EventBridge event patterns") and the reference implementation's README (aws/event-ruler,
"Ruler by Example", "JSON Array Matching"):

- A pattern's fields are ANDed; a field's list of values is ORed; ``$or`` (a list of two or
  more sub-patterns at one level) matches when any sub-pattern does.
- A nested pattern object descends into the event; arrays are "crushed out": a field inside
  an array of objects has the values of that field in every element, and a field whose value
  is an array matches if any element does.
- Leaf matchers: an exact value (string, number, boolean, null; numbers compare as numbers),
  ``prefix``, ``suffix``, ``anything-but`` (a value, a list of values, or ``{"prefix": …}``),
  ``numeric`` (comparison pairs), ``exists`` (true: the field has a value; false: it has none).
- A matcher other than ``exists: false`` needs a value: an absent field matches none of them
  (anything-but included; matching absence is what ``exists: false`` is for).

Array-consistent matching (event-ruler's ``rulesForJSONEvent``: fields of two different
elements of one array never match together) is not modelled: our patterns put at most one
field inside an array, where both readings agree.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterator, Mapping
from typing import Any, Final

_MISSING: Final = object()
_COMPARISONS: Final[dict[str, Callable[[float, float], bool]]] = {
    "=": operator.eq,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


def matches(pattern: Mapping[str, Any], event: Any) -> bool:
    """Whether ``event`` (a parsed JSON event, or a part of one) matches ``pattern``."""
    return all(_field_matches(key, expected, event) for key, expected in pattern.items())


def _field_matches(key: str, expected: Any, event: Any) -> bool:
    if key == "$or" and isinstance(expected, list) and len(expected) >= 2:
        return any(matches(branch, event) for branch in expected)
    values = list(_values(event, key))
    if isinstance(expected, Mapping):  # descend into every object the field holds, at once
        return matches(expected, [value for value in values if isinstance(value, Mapping)])
    if not isinstance(expected, list):
        raise ValueError(f"pattern field {key!r} must be a list of matchers or an object")
    return any(_leaf_matches(matcher, values) for matcher in expected)


def _values(event: Any, key: str) -> Iterator[Any]:
    """The values of ``key`` in ``event``, with arrays crushed out at every level."""
    if isinstance(event, list):
        for element in event:
            yield from _values(element, key)
        return
    if not isinstance(event, Mapping):
        return
    value = event.get(key, _MISSING)
    if value is _MISSING:
        return
    yield from _flatten(value)


def _flatten(value: Any) -> Iterator[Any]:
    if isinstance(value, list):
        for element in value:
            yield from _flatten(element)
    else:
        yield value


def _leaf_matches(matcher: Any, values: list[Any]) -> bool:
    if isinstance(matcher, Mapping):
        if set(matcher) == {"exists"}:  # exists looks at leaves only: an object is no value
            leaves = [value for value in values if not isinstance(value, Mapping)]
            return bool(leaves) == matcher["exists"]
        return any(_filter_matches(matcher, value) for value in values)
    return any(_equal(matcher, value) for value in values)


def _filter_matches(matcher: Mapping[str, Any], value: Any) -> bool:
    (name, argument), *rest = matcher.items()
    if rest:
        raise ValueError(f"one filter per matcher: {dict(matcher)}")
    if name == "prefix":
        return isinstance(value, str) and value.startswith(argument)
    if name == "suffix":
        return isinstance(value, str) and value.endswith(argument)
    if name == "numeric":
        return _numeric_matches(argument, value)
    if name == "anything-but":
        return _anything_but_matches(argument, value)
    raise ValueError(f"unsupported filter {name!r}")


def _anything_but_matches(argument: Any, value: Any) -> bool:
    if isinstance(argument, Mapping):
        return isinstance(value, str) and not _filter_matches(argument, value)
    excluded = argument if isinstance(argument, list) else [argument]
    return not any(_equal(item, value) for item in excluded)


def _numeric_matches(comparisons: list[Any], value: Any) -> bool:
    if not _is_number(value):
        return False
    pairs = zip(comparisons[::2], comparisons[1::2], strict=True)
    return all(_COMPARISONS[symbol](float(value), float(bound)) for symbol, bound in pairs)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _equal(expected: Any, value: Any) -> bool:
    if _is_number(expected) and _is_number(value):
        return float(expected) == float(value)
    return type(expected) is type(value) and bool(expected == value)
