"""A live schedule's name gives back its config key, or admits it cannot (never a wrong key)."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from ecs_scheduler.naming import (
    PRIMARY_SCHEDULE_KEY,
    SCHEDULE_RULE,
    NamingParts,
    job_names,
    schedule_key_of,
)
from tests.model.test_naming import naming_parts, schedule_keys

HASH_SHAPED = re.compile(r"-[0-9a-f]{8}$")


def _names(parts: NamingParts, key: str) -> tuple[str, str]:
    names = job_names(parts, [PRIMARY_SCHEDULE_KEY, key])
    return names.schedules[key], names.schedule_group


def _key_is_whole_in_name(parts: NamingParts, key: str) -> bool:
    """fit() cuts the naming-standard parts first; the key is cut only when the tail is."""
    tail = f"-{parts.stack}_{parts.job}_{key}"
    return len(tail) < SCHEDULE_RULE.max_length - 9


@given(naming_parts(), schedule_keys, st.lists(schedule_keys, max_size=3))
@settings(max_examples=400)
def test_a_configured_key_is_found_whatever_the_shortening(
    parts: NamingParts, key: str, others: list[str]
) -> None:
    name, group = _names(parts, key)
    found = schedule_key_of(name, group, parts.stack, parts.job, [key, *others])
    if _key_is_whole_in_name(parts, key):
        assert found == key
    else:
        # The key was cut: only an unambiguous configured key may be named, never a wrong one.
        assert found in {key, None}
        marker_visible = f"-{parts.stack}_{parts.job}_" in name
        if marker_visible and not others:
            assert found == key


@given(naming_parts(), schedule_keys)
@settings(max_examples=400)
def test_a_removed_key_is_read_from_its_name_or_not_at_all(parts: NamingParts, key: str) -> None:
    name, group = _names(parts, key)
    found = schedule_key_of(name, group, parts.stack, parts.job, [])
    assert found in {key, None}
    if _key_is_whole_in_name(parts, key) and not HASH_SHAPED.search(key):
        assert found == key


def test_a_removed_key_that_looks_shortened_is_not_guessed() -> None:
    parts = NamingParts("acme", "ops", "internal", "use1", "billing", "invoices")
    name, group = _names(parts, "nightly-0badcafe")
    assert name == f"{group}_nightly-0badcafe"
    assert schedule_key_of(name, group, "billing", "invoices", ["nightly-0badcafe"]) == (
        "nightly-0badcafe"
    )
    # Without the config it could equally be a longer key, cut to "nightly" and hashed.
    assert schedule_key_of(name, group, "billing", "invoices", []) is None


@given(naming_parts())
def test_the_primary_schedule_is_named_like_its_group(parts: NamingParts) -> None:
    names = job_names(parts, [PRIMARY_SCHEDULE_KEY])
    assert (
        schedule_key_of(names.schedules[""], names.schedule_group, parts.stack, parts.job, [])
        == PRIMARY_SCHEDULE_KEY
    )


def test_the_reported_shortened_name_gives_its_key() -> None:
    """The plan showed ``ecs["acme-…_month-end-8c23ead9"]``: a long prefix, a removed key."""
    parts = NamingParts(
        billing_entity="acme",
        billing_domain="commerce-and-fulfilment-operations",
        security_domain="confidential",
        aws_region_short_code="use1",
        stack="orders",
        job="nightly-reconciliation",
    )
    name, group = _names(parts, "month-end")
    assert len(name) == SCHEDULE_RULE.max_length and not name.endswith("month-end")
    assert schedule_key_of(name, group, "orders", "nightly-reconciliation", []) == "month-end"
    assert schedule_key_of(name, group, "orders", "other-job", []) is None
