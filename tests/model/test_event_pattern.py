"""The test evaluator agrees with the examples of AWS's documentation of event patterns.

The event and the patterns are those of the EventBridge User Guide, "Content filtering in
Amazon EventBridge event patterns", which the aws/event-ruler README ("Ruler by Example",
"JSON Array Matching") shares; each example is stated there to match (or, for the
"Anna"/"Jones" and ``exists: false`` cases, not to match).
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.model.event_pattern import matches

EXAMPLE_EVENT: dict[str, Any] = {
    "version": "0",
    "id": "ddddd4-aaaa-7777-4444-345dd43cc333",
    "detail-type": "EC2 Instance State-change Notification",
    "source": "aws.ec2",
    "account": "012345679012",
    "time": "2017-10-02T16:24:49Z",
    "region": "us-east-1",
    "resources": ["arn:aws:ec2:us-east-1:123456789012:instance/i-000000aaaaaa00000"],
    "detail": {
        "c-count": 5,
        "d-count": 3,
        "x-limit": 301.8,
        "source-ip": "10.0.0.33",
        "instance-id": "i-000000aaaaaa00000",
        "state": "running",
    },
}

MATCHING = {
    "exact, with an array field in the event": {
        "detail-type": ["EC2 Instance State-change Notification"],
        "resources": ["arn:aws:ec2:us-east-1:123456789012:instance/i-000000aaaaaa00000"],
        "detail": {"state": ["initializing", "running"]},
    },
    "prefix": {"time": [{"prefix": "2017-10-02"}]},
    "suffix": {"source": [{"suffix": "ec2"}]},
    "anything-but string": {"detail": {"state": [{"anything-but": "initializing"}]}},
    "anything-but number": {"detail": {"x-limit": [{"anything-but": 123}]}},
    "anything-but string list": {
        "detail": {"state": [{"anything-but": ["stopped", "overloaded"]}]}
    },
    "anything-but number list": {"detail": {"x-limit": [{"anything-but": [100, 200, 300]}]}},
    "anything-but prefix": {"detail": {"state": [{"anything-but": {"prefix": "init"}}]}},
    "numeric": {
        "detail": {
            "c-count": [{"numeric": [">", 0, "<=", 5]}],
            "d-count": [{"numeric": ["<", 10]}],
            "x-limit": [{"numeric": ["=", 3.018e2]}],
        }
    },
    "exists true": {"detail": {"c-count": [{"exists": True}]}},
    "exists false, on a field the event lacks": {"detail": {"e-count": [{"exists": False}]}},
    "complex example, without the cidr filter": {
        "time": [{"prefix": "2017-10-02"}],
        "detail": {
            "state": [{"anything-but": "initializing"}],
            "c-count": [{"numeric": [">", 0, "<=", 5]}],
            "d-count": [{"numeric": ["<", 10]}],
            "x-limit": [{"anything-but": [100, 200, 300]}],
        },
    },
    "$or at the top": {
        "source": ["aws.ec2"],
        "$or": [{"detail-type": ["nothing like it"]}, {"region": ["us-east-1"]}],
    },
    "$or inside detail": {
        "detail": {"$or": [{"c-count": [{"numeric": [">", 10]}]}, {"state": ["running"]}]}
    },
}

NOT_MATCHING = {
    "exact value differs": {"detail": {"state": ["stopped"]}},
    "anything-but the value itself": {"detail": {"state": [{"anything-but": "running"}]}},
    "anything-but list holding the value": {
        "detail": {"x-limit": [{"anything-but": [301.8, 400]}]}
    },
    "anything-but prefix of the value": {
        "detail": {"state": [{"anything-but": {"prefix": "run"}}]}
    },
    "anything-but on a field the event lacks": {"detail": {"e-count": [{"anything-but": 1}]}},
    "numeric out of range": {"detail": {"c-count": [{"numeric": [">", 5]}]}},
    "numeric on a string": {"detail": {"state": [{"numeric": [">", 0]}]}},
    "exists false, on a field the event has": {"detail": {"c-count": [{"exists": False}]}},
    "exists true, on a field the event lacks": {"detail": {"e-count": [{"exists": True}]}},
    "prefix on a number": {"detail": {"c-count": [{"prefix": "5"}]}},
    "number against a string": {"detail": {"c-count": ["5"]}},
    "$or with no branch matching": {
        "$or": [{"detail-type": ["nothing like it"]}, {"region": ["eu-west-1"]}]
    },
    "one field of two fails": {"source": ["aws.ec2"], "region": ["eu-west-1"]},
}


@pytest.mark.parametrize("pattern", MATCHING.values(), ids=MATCHING.keys())
def test_documented_pattern_matches_the_example_event(pattern: dict[str, Any]) -> None:
    assert matches(pattern, EXAMPLE_EVENT)


@pytest.mark.parametrize("pattern", NOT_MATCHING.values(), ids=NOT_MATCHING.keys())
def test_pattern_that_should_not_match_does_not(pattern: dict[str, Any]) -> None:
    assert not matches(pattern, EXAMPLE_EVENT)


EMPLOYEES: dict[str, Any] = {
    "employees": [
        {"firstName": "John", "lastName": "Doe"},
        {"firstName": "Anna", "lastName": "Smith"},
        {"firstName": "Peter", "lastName": "Jones"},
    ]
}


def test_a_field_inside_an_array_of_objects_matches_any_element() -> None:
    assert matches({"employees": {"firstName": ["Anna"]}}, EMPLOYEES)
    assert not matches({"employees": {"firstName": ["Maria"]}}, EMPLOYEES)


def test_multi_level_arrays_are_crushed_out_too() -> None:
    nested = {"employees": [EMPLOYEES["employees"][:2], EMPLOYEES["employees"][2:]]}
    assert matches({"employees": {"firstName": ["Peter"]}}, nested)


def test_exists_false_inside_an_array_means_no_element_has_the_field() -> None:
    assert not matches({"employees": {"middleName": [{"exists": True}]}}, EMPLOYEES)
    assert matches({"employees": {"middleName": [{"exists": False}]}}, EMPLOYEES)
    assert not matches({"employees": {"lastName": [{"exists": False}]}}, EMPLOYEES)
    assert matches({"employees": {"lastName": [{"exists": False}]}}, {"employees": []})


def test_exists_false_matches_a_non_leaf_field() -> None:
    """The README's own caveat: exists works on leaves, so an object counts as absent."""
    event = {"detail": {"c-count": {"c1": 100}}}
    assert matches({"detail": {"c-count": [{"exists": False}]}}, event)


def test_a_single_or_branch_is_not_an_or() -> None:
    """$or needs two or more branches; one branch is read as a field named "$or"."""
    assert not matches({"$or": [{"region": ["us-east-1"]}]}, EXAMPLE_EVENT)
