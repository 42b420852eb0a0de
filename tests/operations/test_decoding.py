"""Decoding Scheduler's dead-letter attributes, without AWS."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from ecs_scheduler.operations import decode_message, group_by_error
from ecs_scheduler.operations.dead_letters import NO_ERROR_CODE


def message(message_id: str, body: str = "{}", **attributes: str) -> dict[str, object]:
    return {
        "MessageId": message_id,
        "ReceiptHandle": "handle",
        "Body": body,
        "Attributes": {"SentTimestamp": "1764396000000", "ApproximateReceiveCount": "2"},
        "MessageAttributes": {
            name: {"DataType": "String", "StringValue": value} for name, value in attributes.items()
        },
    }


def test_every_attribute_is_decoded() -> None:
    letter = decode_message(
        message(
            "m-1",
            body='{"containerOverrides": []}',
            ERROR_CODE="ECS.AccessDenied",
            ERROR_MESSAGE="not allowed",
            SCHEDULED_TIME="2026-11-28T06:00:00Z",
            RETRY_ATTEMPTS="185",
            EXHAUSTED_RETRY_CONDITION="MaximumEventAgeInSeconds",
            SCHEDULE_ARN="arn:aws:scheduler:us-east-1:123456789012:schedule/my-group/my-schedule",
            TARGET_ARN="arn:aws:ecs:us-east-1:123456789012:cluster/c",
            EXECUTION_ID="e-1",
            IS_PAYLOAD_TRUNCATED="true",
        )
    )
    assert letter.error_code == "ECS.AccessDenied"
    assert letter.error_message == "not allowed"
    assert letter.scheduled_time == datetime(2026, 11, 28, 6, tzinfo=UTC)
    assert letter.retry_attempts == 185
    assert letter.exhausted_retry_condition == "MaximumEventAgeInSeconds"
    assert letter.schedule_group_and_name == ("my-group", "my-schedule")
    assert letter.execution_id == "e-1"
    assert letter.payload_truncated is True
    assert letter.payload == {"containerOverrides": []}
    assert letter.sent_at == datetime(2025, 11, 29, 6, tzinfo=UTC)
    assert letter.receive_count == 2
    assert letter.to_json()["scheduled_time"] == "2026-11-28T06:00:00Z"


def test_a_message_without_schedulers_attributes_is_still_listed() -> None:
    letter = decode_message(message("m-2", body="not json"))
    assert letter.error_code is None
    assert letter.schedule_group_and_name is None
    assert letter.retry_attempts is None
    assert letter.payload == "not json"
    assert list(group_by_error([letter])) == [NO_ERROR_CODE]


@given(
    st.lists(
        st.tuples(st.sampled_from(["A", "B", "C"]), st.integers(min_value=0, max_value=10)),
        max_size=30,
    )
)
def test_grouping_keeps_every_message_once_and_puts_the_biggest_group_first(
    entries: list[tuple[str, int]],
) -> None:
    letters = [
        decode_message(
            message(
                f"m-{index}",
                body=json.dumps({}),
                ERROR_CODE=code,
                SCHEDULED_TIME=f"2026-11-{hour + 1:02d}T00:00:00Z",
            )
        )
        for index, (code, hour) in enumerate(entries)
    ]
    groups = group_by_error(letters)
    grouped = [letter.message_id for members in groups.values() for letter in members]
    assert sorted(grouped) == sorted(letter.message_id for letter in letters)
    sizes = [len(members) for members in groups.values()]
    assert sizes == sorted(sizes, reverse=True)
    for code, members in groups.items():
        assert {letter.error_code for letter in members} == {code}
        times = [letter.scheduled_time for letter in members]
        assert times == sorted(times)  # type: ignore[type-var]
