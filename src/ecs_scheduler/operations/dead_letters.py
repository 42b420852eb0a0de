"""What EventBridge Scheduler writes on a dead-letter message, decoded.

When a schedule fails to invoke its target, Scheduler sends the target's payload as the
message body, with string message attributes describing the failure: ``ERROR_CODE``,
``ERROR_MESSAGE``, ``EXECUTION_ID``, ``EXHAUSTED_RETRY_CONDITION``, ``IS_PAYLOAD_TRUNCATED``,
``RETRY_ATTEMPTS``, ``SCHEDULED_TIME``, ``SCHEDULE_ARN`` and ``TARGET_ARN``. Source: EventBridge
Scheduler User Guide, "Configuring a dead-letter queue", section "Retrieve the dead-letter
event" (https://docs.aws.amazon.com/scheduler/latest/UserGuide/configuring-schedule-dlq.html).

A message without these attributes (someone else wrote to the queue) is still listed, with
the fields it lacks set to ``None``: nothing in a dead-letter queue is ever hidden.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

NO_ERROR_CODE = "(no ERROR_CODE)"


@dataclass(frozen=True)
class DeadLetter:
    """One failed invocation, as read from the queue (the message stays there)."""

    message_id: str
    sent_at: datetime | None  # when Scheduler wrote it (SQS's SentTimestamp)
    receive_count: int  # how often it was received, by anyone, including this read
    error_code: str | None
    error_message: str | None
    scheduled_time: datetime | None
    retry_attempts: int | None
    exhausted_retry_condition: str | None
    schedule_arn: str | None
    target_arn: str | None
    execution_id: str | None
    payload_truncated: bool
    body: str

    @property
    def schedule_group_and_name(self) -> tuple[str, str] | None:
        """``(group, name)`` from ``arn:…:schedule/<group>/<name>``; None without an ARN."""
        if not self.schedule_arn or ":schedule/" not in self.schedule_arn:
            return None
        path = self.schedule_arn.split(":schedule/", 1)[1]
        group, _, name = path.partition("/")
        return (group, name) if name else None

    @property
    def payload(self) -> Any:
        """The body as JSON when it is JSON (the target's input), else the raw text."""
        try:
            return json.loads(self.body)
        except ValueError:
            return self.body

    def to_json(self) -> dict[str, Any]:
        return {
            "message_id": self.message_id,
            "sent_at": _iso(self.sent_at),
            "receive_count": self.receive_count,
            "error_code": self.error_code,
            "error_message": self.error_message,
            "scheduled_time": _iso(self.scheduled_time),
            "retry_attempts": self.retry_attempts,
            "exhausted_retry_condition": self.exhausted_retry_condition,
            "schedule_arn": self.schedule_arn,
            "target_arn": self.target_arn,
            "execution_id": self.execution_id,
            "payload_truncated": self.payload_truncated,
            "payload": self.payload,
        }


def decode_message(message: Mapping[str, Any]) -> DeadLetter:
    """A ReceiveMessage entry (with all message and system attributes) as a DeadLetter."""
    attributes: Mapping[str, Any] = message.get("MessageAttributes") or {}
    system: Mapping[str, Any] = message.get("Attributes") or {}

    def text(name: str) -> str | None:
        value = attributes.get(name)
        if not isinstance(value, Mapping):
            return None
        found = value.get("StringValue")
        return str(found) if found is not None else None

    sent = system.get("SentTimestamp")
    retries = text("RETRY_ATTEMPTS")
    return DeadLetter(
        message_id=str(message["MessageId"]),
        sent_at=datetime.fromtimestamp(int(sent) / 1000, UTC) if sent else None,
        receive_count=int(system.get("ApproximateReceiveCount", 0)),
        error_code=text("ERROR_CODE"),
        error_message=text("ERROR_MESSAGE"),
        scheduled_time=_instant(text("SCHEDULED_TIME")),
        retry_attempts=int(retries) if retries is not None and retries.isdigit() else None,
        exhausted_retry_condition=text("EXHAUSTED_RETRY_CONDITION"),
        schedule_arn=text("SCHEDULE_ARN"),
        target_arn=text("TARGET_ARN"),
        execution_id=text("EXECUTION_ID"),
        payload_truncated=(text("IS_PAYLOAD_TRUNCATED") or "").lower() == "true",
        body=str(message.get("Body", "")),
    )


def group_by_error(letters: Iterable[DeadLetter]) -> dict[str, list[DeadLetter]]:
    """By error code, the most frequent first; each group oldest scheduled time first."""
    groups: dict[str, list[DeadLetter]] = {}
    for letter in letters:
        groups.setdefault(letter.error_code or NO_ERROR_CODE, []).append(letter)
    oldest = datetime.min.replace(tzinfo=UTC)
    for members in groups.values():
        members.sort(key=lambda letter: (letter.scheduled_time or oldest, letter.message_id))
    return dict(sorted(groups.items(), key=lambda item: (-len(item[1]), item[0])))


def _instant(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        instant = datetime.fromisoformat(text)
    except ValueError:
        return None
    return instant if instant.tzinfo else instant.replace(tzinfo=UTC)


def _iso(instant: datetime | None) -> str | None:
    if instant is None:
        return None
    return instant.astimezone(UTC).isoformat().replace("+00:00", "Z")
