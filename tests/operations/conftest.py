"""The ``deploy`` fixture: an example applied to the emulator."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from tests.conftest import EmulatedAccount
from tests.operations.deployed import Deployed, deploy_example, tasks_never_stop

DeployFactory = Callable[[str], Deployed]


@pytest.fixture
def deploy(emulated_account: EmulatedAccount) -> Iterator[DeployFactory]:
    """``deploy(example)``: the example applied to the emulator, whose tasks never stop."""
    with tasks_never_stop(emulated_account.endpoint_url):
        yield lambda example: deploy_example(emulated_account, example)
