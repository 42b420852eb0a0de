"""The ``deploy`` fixture: an example applied to the emulator."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.conftest import EmulatedAccount
from tests.operations.deployed import Deployed, deploy_example

DeployFactory = Callable[[str], Deployed]


@pytest.fixture
def deploy(emulated_account: EmulatedAccount) -> DeployFactory:
    """``deploy(example)``: the example applied to the emulator."""
    return lambda example: deploy_example(emulated_account, example)
