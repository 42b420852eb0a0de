"""Each command's session starts from a copy of botocore's built-in event handlers, registered
once per process, and carries exactly what a plain botocore session registers."""

from __future__ import annotations

from typing import Any

import botocore.session
import pytest
from botocore.handlers import BUILTIN_HANDLERS
from botocore.hooks import HierarchicalEmitter

from ecs_scheduler.engines.aws import AwsClients
from ecs_scheduler.engines.aws.clients import _events_with_builtin_handlers
from ecs_scheduler.local import Emulator
from tests.conftest import REGION

UNREACHABLE = "http://127.0.0.1:9"


def _handlers(emitter: HierarchicalEmitter, event_name: str) -> list[Any]:
    # The emitter's own lookup, in calling order (botocore keeps no public listing).
    return list(emitter._handlers.prefix_search(event_name))


def test_a_session_holds_the_handlers_botocore_registers_in_their_order() -> None:
    plain = HierarchicalEmitter()
    botocore.session.Session(event_hooks=plain)

    copied = _events_with_builtin_handlers()

    for event_name in {spec[0] for spec in BUILTIN_HANDLERS}:
        assert _handlers(copied, event_name) == _handlers(plain, event_name), event_name
    assert copied._unique_id_handlers == plain._unique_id_handlers


def test_a_second_command_registers_no_built_in_handler_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    AwsClients.create(region=REGION, endpoint_url=UNREACHABLE).sts  # noqa: B018 - made now
    registered: list[str] = []
    register = HierarchicalEmitter.register

    def counting(self: HierarchicalEmitter, event_name: str, *args: Any, **kwargs: Any) -> None:
        registered.append(event_name)
        register(self, event_name, *args, **kwargs)

    monkeypatch.setattr(HierarchicalEmitter, "register", counting)

    clients = AwsClients.create(region=REGION, endpoint_url=UNREACHABLE)
    assert clients.sts.meta.service_model.service_name == "sts"

    # What is left is per session (boto3's) and per client (retries, this module's guards).
    assert 0 < len(registered) < len(BUILTIN_HANDLERS) // 4


def test_a_handler_added_to_botocores_list_later_reaches_new_sessions(
    emulator: Emulator,
) -> None:
    """moto appends its in-process mock to the list when imported; later sessions carry it."""
    AwsClients.create(region=REGION, endpoint_url=emulator.endpoint_url).sts  # noqa: B018
    called: list[str] = []

    def record(model: Any, **_: Any) -> None:
        called.append(model.name)

    added = ("before-call.sts", record)
    BUILTIN_HANDLERS.append(added)
    try:
        with_it = AwsClients.create(region=REGION, endpoint_url=emulator.endpoint_url)
        with_it.sts.get_caller_identity()
    finally:
        BUILTIN_HANDLERS.remove(added)
    without_it = AwsClients.create(region=REGION, endpoint_url=emulator.endpoint_url)
    without_it.sts.get_caller_identity()

    assert called == ["GetCallerIdentity"]
