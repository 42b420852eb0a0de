"""The naming standard: every AWS name and the tag set of a job, derived deterministically.

A job's names share one base::

    <billing_entity>-<billing_domain>-<security_domain>-<aws_region_short_code>-<stack>_<job>

Each of the four naming-standard parts is lower-cased and reduced to ``[a-z0-9]`` (a part
with nothing left becomes ``h`` + a hash of its text). Keeping hyphens out of those parts,
and ``_`` out of stack names and job keys, is what makes names unique: the base splits back
into its four parts, the stack and the job key, so no two jobs — of one stack or of two
stacks in one account — can produce the same base, whatever their other values.

The resources add a kind, one per service namespace::

    schedule group       <base>
    primary schedule     <base>
    additional schedule  <base>_<schedule name>   (the job key is the last part without ``_``)
    IAM role             <base>-scheduler
    inline policy        <base>-scheduler
    SQS queue            <base>-dlq
    alarms               <base>-dlq-messages-visible, <base>-dlq-oldest-message

A name longer than its service allows is shortened and ends with ``-`` + the first 8 hex
digits of the SHA-256 of the full name, so it stays stable, unique and visibly shortened.
The naming-standard parts are cut first, so stack, job and kind stay readable.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Final

# The tag keys ecs-scheduler sets are the config's (user tags may not shadow them); the model
# names them from here too, so they are imported under their own name: re-exported.
from ecs_scheduler.config import OWN_TAG_PREFIX, Job
from ecs_scheduler.config import (
    RESERVED_TAG_KEYS as RESERVED_TAG_KEYS,  # noqa: PLC0414
)
from ecs_scheduler.config import (
    TAG_BILLING_DOMAIN as TAG_BILLING_DOMAIN,  # noqa: PLC0414
)
from ecs_scheduler.config import (
    TAG_BILLING_ENTITY as TAG_BILLING_ENTITY,  # noqa: PLC0414
)
from ecs_scheduler.config import (
    TAG_JOB as TAG_JOB,  # noqa: PLC0414
)
from ecs_scheduler.config import (
    TAG_MANAGED_BY as TAG_MANAGED_BY,  # noqa: PLC0414
)
from ecs_scheduler.config import (
    TAG_RESOURCE_OWNER as TAG_RESOURCE_OWNER,  # noqa: PLC0414
)
from ecs_scheduler.config import (
    TAG_SECURITY_DOMAIN as TAG_SECURITY_DOMAIN,  # noqa: PLC0414
)
from ecs_scheduler.config import (
    TAG_STACK as TAG_STACK,  # noqa: PLC0414
)


@dataclass(frozen=True)
class NameRule:
    """What a service accepts as a name."""

    service: str
    max_length: int
    pattern: re.Pattern[str]

    def accepts(self, name: str) -> bool:
        return len(name) <= self.max_length and self.pattern.fullmatch(name) is not None


SCHEDULE_GROUP_RULE: Final = NameRule("schedule group", 64, re.compile(r"[0-9a-zA-Z\-_.]+"))
SCHEDULE_RULE: Final = NameRule("schedule", 64, re.compile(r"[0-9a-zA-Z\-_.]+"))
IAM_ROLE_RULE: Final = NameRule("IAM role", 64, re.compile(r"[\w+=,.@-]+", re.ASCII))
IAM_POLICY_RULE: Final = NameRule("IAM inline policy", 128, re.compile(r"[\w+=,.@-]+", re.ASCII))
SQS_QUEUE_RULE: Final = NameRule("SQS queue", 80, re.compile(r"[A-Za-z0-9_-]+"))
# CloudWatch accepts any printable ASCII in alarm names; ours use the SQS subset.
ALARM_RULE: Final = NameRule("CloudWatch alarm", 255, re.compile(r"[\x20-\x7e]+"))

HASH_LENGTH: Final = 8
PRIMARY_SCHEDULE_KEY: Final = ""

# On a job's schedule group: the names of its role, its queue and its task-failure rule. fit()
# shortens each name by its own service's limit, so they cannot be derived from the group's
# name. (The config reserves every key under OWN_TAG_PREFIX, so no user tag can shadow them.)
TAG_ROLE: Final = f"{OWN_TAG_PREFIX}role"
TAG_QUEUE: Final = f"{OWN_TAG_PREFIX}queue"
TAG_RULE: Final = f"{OWN_TAG_PREFIX}rule"
MANAGED_BY_VALUE: Final = "ecs-scheduler"

_NOT_ALPHANUMERIC = re.compile(r"[^a-z0-9]+")


@dataclass(frozen=True)
class NamingParts:
    """The inputs of the naming standard for one job."""

    billing_entity: str
    billing_domain: str
    security_domain: str
    aws_region_short_code: str
    stack: str
    job: str

    @classmethod
    def of(cls, stack: str, job_key: str, job: Job) -> NamingParts:
        return cls(
            billing_entity=job.billing_entity,
            billing_domain=job.billing_domain,
            security_domain=job.security_domain,
            aws_region_short_code=job.aws_region_short_code,
            stack=stack,
            job=job_key,
        )


@dataclass(frozen=True)
class JobNames:
    """Every AWS name of one job."""

    schedule_group: str
    schedules: Mapping[str, str]  # by schedule key; "" is the primary schedule
    role: str
    role_policy: str
    queue: str
    alarm_messages_visible: str
    alarm_oldest_message: str


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:HASH_LENGTH]


def standard_part(value: str) -> str:
    """One naming-standard part: lower-case ``[a-z0-9]+``, never empty."""
    reduced = _NOT_ALPHANUMERIC.sub("", value.lower())
    return reduced or f"h{_digest(value)}"


def fit(head: str, tail: str, rule: NameRule) -> str:
    """``head + tail`` if the service accepts its length, else shortened with a stable hash.

    The hash (of the full name) ends the shortened name. ``head`` (the naming-standard
    parts) is cut first, so the stack, job and kind in ``tail`` stay readable; only a
    ``tail`` that cannot fit on its own is cut too.
    """
    name = head + tail
    if len(name) <= rule.max_length:
        return name
    suffix = f"-{_digest(name)}"
    room = rule.max_length - len(suffix)
    if len(tail) < room:
        shortened = head[: room - len(tail)].rstrip("-_.") + tail
    else:
        shortened = name[:room].rstrip("-_.")
    return shortened + suffix


def standard_prefix(parts: NamingParts) -> str:
    """The four naming-standard parts, joined by hyphens."""
    standard = (
        parts.billing_entity,
        parts.billing_domain,
        parts.security_domain,
        parts.aws_region_short_code,
    )
    return "-".join(standard_part(part) for part in standard)


def _job_tail(parts: NamingParts, kind: str) -> str:
    return f"-{parts.stack}_{parts.job}{kind}"


def schedule_name(parts: NamingParts, key: str) -> str:
    return _schedule_name(standard_prefix(parts), parts.stack, parts.job, key)


def _schedule_name(prefix: str, stack: str, job: str, key: str) -> str:
    kind = "" if key == PRIMARY_SCHEDULE_KEY else f"_{key}"
    return fit(prefix, f"-{stack}_{job}{kind}", SCHEDULE_RULE)


_HASH_SUFFIX = re.compile(rf"-[0-9a-f]{{{HASH_LENGTH}}}$")


def schedule_key_of(
    name: str, group: str, stack: str, job: str, known_keys: Iterable[str]
) -> str | None:
    """The key of the schedule ``name`` in the group ``group`` of ``job``; None if unsure.

    The primary schedule is named like its group, an additional one
    ``<prefix>-<stack>_<job>_<key>``, shortened by :func:`fit` when too long.

    - The group's name is not shortened: its prefix is exact, and a key counts only if it
      gives ``name`` again. ``known_keys`` (the job's configured keys) come first; a name
      ending in ``-<8 hex>`` that no key shortens to is left unsure, since it may be a
      longer key, cut and hashed.
    - The group's name is shortened, and so is every additional name. The key is whole
      when the head :func:`fit` kept is no longer than the group's (only the head was
      cut); otherwise the key was cut too, and only the one known key that starts with
      what is left can be meant.
    """
    if name == group:
        return PRIMARY_SCHEDULE_KEY
    marker = f"-{stack}_{job}_"
    head, found, rest = name.partition(marker)
    if not found or not rest:
        return None
    known = [key for key in known_keys if key != PRIMARY_SCHEDULE_KEY]
    group_tail = f"-{stack}_{job}"
    left = _HASH_SUFFIX.sub("", rest)
    if group.endswith(group_tail):
        prefix = group[: -len(group_tail)]
        # A configured key first: ``<key>-<8 hex>`` may also be a longer key, cut and hashed.
        return next(
            (key for key in [*known, left] if _schedule_name(prefix, stack, job, key) == name),
            None,
        )
    group_left = _HASH_SUFFIX.sub("", group)
    if left == rest or group_left == group or not group_left.endswith(group_tail):
        return None  # not the shape fit() gives
    if group_left[: -len(group_tail)].startswith(head):
        return left
    candidates = [key for key in known if key.startswith(left)]
    return candidates[0] if len(candidates) == 1 else None


def is_role_policy_name(name: str, stack: str, job: str) -> bool:
    """Whether ``name`` is one the naming standard gives the inline policy of ``job``'s role,
    under any naming-standard parts (a job whose names changed keeps its old policy name)."""
    tail = f"-{stack}_{job}-scheduler"
    return name.endswith(tail) or _HASH_SUFFIX.sub("", name).endswith(tail)


def job_names(parts: NamingParts, schedule_keys: Iterable[str]) -> JobNames:
    """All names of a job whose schedules have ``schedule_keys`` (the primary is ``""``)."""
    prefix = standard_prefix(parts)
    return JobNames(
        schedule_group=fit(prefix, _job_tail(parts, ""), SCHEDULE_GROUP_RULE),
        schedules={key: schedule_name(parts, key) for key in schedule_keys},
        role=fit(prefix, _job_tail(parts, "-scheduler"), IAM_ROLE_RULE),
        role_policy=fit(prefix, _job_tail(parts, "-scheduler"), IAM_POLICY_RULE),
        queue=fit(prefix, _job_tail(parts, "-dlq"), SQS_QUEUE_RULE),
        alarm_messages_visible=fit(prefix, _job_tail(parts, "-dlq-messages-visible"), ALARM_RULE),
        alarm_oldest_message=fit(prefix, _job_tail(parts, "-dlq-oldest-message"), ALARM_RULE),
    )


def names_for_job(stack: str, job_key: str, job: Job) -> JobNames:
    """The names of a configured job: its primary schedule and every additional one."""
    keys = [PRIMARY_SCHEDULE_KEY, *(extra.name for extra in job.additional_schedules)]
    return job_names(NamingParts.of(stack, job_key, job), keys)


def job_tags(stack: str, job_key: str, job: Job) -> dict[str, str]:
    """The tags of every taggable resource of a job; ours win over the user's reserved keys."""
    return {
        **job.tags,
        TAG_RESOURCE_OWNER: job.resource_owner,
        TAG_BILLING_ENTITY: job.billing_entity,
        TAG_BILLING_DOMAIN: job.billing_domain,
        TAG_SECURITY_DOMAIN: job.security_domain,
        TAG_MANAGED_BY: MANAGED_BY_VALUE,
        TAG_STACK: stack,
        TAG_JOB: job_key,
    }


def schedule_group_tags(tags: Mapping[str, str], names: JobNames, rule_name: str) -> dict[str, str]:
    """A job's ``tags`` plus the names of its role and queue, recorded on its schedule group
    so that a job no longer in the config is found by them."""
    return {**tags, TAG_ROLE: names.role, TAG_QUEUE: names.queue, TAG_RULE: rule_name}
