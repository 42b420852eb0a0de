"""Fixtures of the AWS engine tests, on top of the shared ``prerequisites`` fixture (an emptied
emulator holding what a real account has, and every example rewritten to it)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import yaml

from ecs_scheduler.engines.aws import AwsClients
from ecs_scheduler.loader import loads
from ecs_scheduler.resources import DesiredState, build
from tests.conftest import EXAMPLES_DIR, EmulatedAccount

EXAMPLES = sorted(path.stem for path in EXAMPLES_DIR.glob("*.yaml"))

ConfigEditor = Callable[[dict[str, Any]], None]
DesiredFactory = Callable[..., DesiredState]


@pytest.fixture
def clients(prerequisites: EmulatedAccount) -> AwsClients:
    return prerequisites.clients


@pytest.fixture
def desired_from(prerequisites: EmulatedAccount) -> DesiredFactory:
    """``desired_from(example, edit=None)``: the example on the emulator's ids, optionally edited.

    ``edit`` receives the parsed YAML document and changes it in place, as a user would edit
    the file.
    """

    def make(example: str, edit: ConfigEditor | None = None) -> DesiredState:
        config = prerequisites.configs[example]
        document = yaml.safe_load(config.read_text(encoding="utf-8"))
        if edit is not None:
            edit(document)
        return build(loads(yaml.safe_dump(document, sort_keys=False), config.name).stack)

    return make
