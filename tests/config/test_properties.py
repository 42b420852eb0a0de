"""Properties of the loader over generated values: ranges, defaults merging, inheritance."""

from __future__ import annotations

from typing import Any

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from ecs_scheduler.loader import ConfigError, loads
from tests.config.cases import BASE, edited

RANGES = {
    "maximum_retry_attempts": (0, 185),
    "maximum_event_age_in_seconds": (60, 86400),
    "dlq_message_retention_seconds": (60, 1209600),
    "task_count": (1, 10),
    "flexible_time_window_minutes": (1, 1440),
}
RANGED_FIELD = st.sampled_from(sorted(RANGES))
# Fields a job may take from defaults, with two distinct valid values each.
MERGEABLE: dict[str, tuple[Any, Any]] = {
    "maximum_retry_attempts": (3, 7),
    "task_count": (2, 4),
    "enabled": (True, False),
    "timezone": ("Europe/London", "Asia/Kolkata"),
    "tags": ({"Team": "data"}, {"Owner": "web"}),
    "security_group_ids": (["sg-0123456789abcdef0"], ["sg-0fedcba9876543210"]),
    "platform_version": ("LATEST", "1.4.0"),
}


@settings(max_examples=150, deadline=None)
@given(RANGED_FIELD, st.integers(-(10**12), 10**12))
def test_a_ranged_field_is_accepted_exactly_inside_its_range(name: str, value: int) -> None:
    low, high = RANGES[name]
    text = edited(("    maximum_retry_attempts: 5\n", f"    {name}: {value}\n"))
    if low <= value <= high:
        assert getattr(loads(text).stack.jobs["report"], name) == value
        return
    try:
        loads(text)
    except ConfigError as error:
        (issue,) = error.issues
        assert (issue.line, issue.column) == (17, 7 + len(name))
        assert issue.path == f"jobs.report.{name}"
        assert issue.message == f"{value} is out of range {low}-{high}"
    else:
        raise AssertionError(f"{name}: {value} was accepted")


@settings(max_examples=100, deadline=None)
@given(
    st.sets(st.sampled_from(sorted(MERGEABLE))),
    st.sets(st.sampled_from(sorted(MERGEABLE))),
)
def test_a_jobs_own_value_wins_over_defaults(in_defaults: set[str], in_job: set[str]) -> None:
    document = yaml.safe_load(BASE)
    job = document["jobs"]["report"]
    for name in MERGEABLE:
        job.pop(name, None)
    # The one required field of the set: always present, from one side or the other.
    document["defaults"] = {"security_group_ids": ["sg-0a0a0a0a0a0a0a0a0"]}
    for name in in_defaults:
        document["defaults"][name] = MERGEABLE[name][0]
    for name in in_job:
        job[name] = MERGEABLE[name][1]
    loaded = loads(yaml.safe_dump(document, sort_keys=False)).stack.jobs["report"]
    for name in MERGEABLE:
        if name in in_job:
            assert getattr(loaded, name) == MERGEABLE[name][1]
        elif name in in_defaults:
            assert getattr(loaded, name) == MERGEABLE[name][0]
        elif name == "security_group_ids":
            assert loaded.security_group_ids == ["sg-0a0a0a0a0a0a0a0a0"]


SCHEDULE_VALUES: dict[str, tuple[Any, Any]] = {
    "timezone": ("Europe/Paris", "Pacific/Auckland"),
    "enabled": (False, True),
    "flexible_time_window_minutes": (5, 30),
    "description": ("job level", "schedule level"),
    "action_after_completion": ("NONE", "DELETE"),
    "task_count": (2, 3),
    "maximum_retry_attempts": (4, 9),
    "maximum_event_age_in_seconds": (600, 3600),
}


@settings(max_examples=100, deadline=None)
@given(st.sets(st.sampled_from(sorted(SCHEDULE_VALUES))))
def test_an_additional_schedule_inherits_what_it_does_not_set(own: set[str]) -> None:
    document = yaml.safe_load(BASE)
    job = document["jobs"]["report"]
    job.update({name: values[0] for name, values in SCHEDULE_VALUES.items()})
    extra: dict[str, Any] = {"name": "extra", "schedule_expression": "rate(6 hours)"}
    extra.update({name: SCHEDULE_VALUES[name][1] for name in own})
    job["additional_schedules"] = [extra]
    primary, additional = (
        loads(yaml.safe_dump(document, sort_keys=False)).stack.jobs["report"].schedules
    )
    for name, (job_value, schedule_value) in SCHEDULE_VALUES.items():
        assert getattr(primary, name) == job_value
        assert getattr(additional, name) == (schedule_value if name in own else job_value)
