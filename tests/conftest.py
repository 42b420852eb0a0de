"""Fixtures shared by every layer's tests: the emulator runs as moto's real HTTP server."""

from __future__ import annotations

import gc
import os
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

from ecs_scheduler.engines.aws.clients import AwsClients
from ecs_scheduler.local import Emulator, Prerequisites, provision_prerequisites, write_demo_config
from tests.emulator_snapshot import EmulatorSnapshot

# Each xdist worker imports every test module. With PYTHONDONTWRITEBYTECODE set, nothing is
# cached: each run, pytest rewrites the asserts of every test module and compiles it again,
# 3 s of each worker's start-up (collecting took 5.7 s of CPU, 2.7 s with the cache). The
# cache is the one a run without that variable writes: __pycache__ next to each source,
# ignored by git.
sys.dont_write_bytecode = False

# Starts the Terraform export's apply in the background as soon as the run needs it.
pytest_plugins = ["tests.engines.background_apply"]

REPO_ROOT = Path(__file__).resolve().parent.parent
EXAMPLES_DIR = REPO_ROOT / "examples"
REGION = "us-east-1"

# Tests must never reach a real account, whatever the developer's shell holds.
for _name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL"):
    os.environ.pop(_name, None)
os.environ.update(
    AWS_ACCESS_KEY_ID="testing",
    AWS_SECRET_ACCESS_KEY="testing",
    AWS_DEFAULT_REGION=REGION,
    # moto's EC2 parses its list of public AMIs each time an emulator is emptied and EC2 is
    # used again: two thirds of the cost of provisioning a test's account, for images no test
    # reads (moto's settings.ec2_load_default_amis). Children (the CLI, `local`) inherit it.
    MOTO_EC2_LOAD_DEFAULT_AMIS="false",
)


# One read of each service AwsClients makes a client of: the first call to a service loads its
# model on both sides (botocore's shared loader here, moto's own copy in the server) and makes
# the server's app for it; all of that then lives as long as the process.
_FIRST_READS = {
    "scheduler": "list_schedule_groups",
    "iam": "list_roles",
    "sqs": "list_queues",
    "cloudwatch": "describe_alarms",
    "ecs": "list_clusters",
    "ec2": "describe_vpcs",
    "kms": "list_keys",
    "sns": "list_topics",
    "sts": "get_caller_identity",
    "events": "list_rules",
}


def _freeze_what_lives_on() -> None:
    """Move every object alive now out of the cyclic collector's sight (``gc.freeze``).

    Each full collection scans every tracked object; most are service models (about 140,000
    dicts), modules and the server's apps, which live as long as the test process. The AWS
    tests make clients and emulator state fast enough to cause a full collection every few
    commands; with those objects scanned each time, collecting was a quarter of their CPU.
    What dies later is still freed by reference counting; only frozen cycles would stay.
    """
    gc.collect()
    gc.freeze()


def pytest_collection_finish(session: pytest.Session) -> None:
    """Every test module and what it imports is loaded: none of it goes before the end."""
    _freeze_what_lives_on()


@pytest.fixture(scope="session")
def emulator() -> Iterator[Emulator]:
    """One embedded emulator per test process, on a free loopback port, spoken to over HTTP."""
    with Emulator() as running:
        clients = AwsClients.create(region=REGION, endpoint_url=running.endpoint_url)
        for service, operation in _FIRST_READS.items():
            getattr(clients.client(service), operation)()
        running.reset()
        del clients
        _freeze_what_lives_on()
        yield running


@pytest.fixture(scope="session")
def moto_endpoint(emulator: Emulator) -> str:
    return emulator.endpoint_url


@pytest.fixture
def fresh_aws(emulator: Emulator) -> str:
    """The emulator, emptied of every resource before the test."""
    emulator.reset()
    return emulator.endpoint_url


@dataclass(frozen=True)
class EmulatedAccount:
    """An emptied emulator holding the prerequisites, and every example rewritten to them."""

    endpoint_url: str
    clients: AwsClients
    prereqs: Prerequisites
    configs: Mapping[str, Path]  # example file stem (e.g. "daily-report") -> rewritten config


@pytest.fixture(scope="session")
def emulator_clients(emulator: Emulator) -> AwsClients:
    """Clients on the emulator, made once: creating them costs more than most tests.

    Their ``api_calls`` counter runs for the whole session; compare counts before and after.
    """
    return AwsClients.create(region=REGION, endpoint_url=emulator.endpoint_url)


@dataclass(frozen=True)
class ProvisionedAccount:
    """The prerequisites, created once per test process, and the emulator holding only them."""

    prereqs: Prerequisites
    snapshot: EmulatorSnapshot


@pytest.fixture(scope="session")
def provisioned_account(emulator: Emulator, emulator_clients: AwsClients) -> ProvisionedAccount:
    """Created over HTTP once; each test then gets a copy (tests/emulator_snapshot.py)."""
    emulator.reset()
    prereqs = provision_prerequisites(emulator_clients)
    account = ProvisionedAccount(prereqs=prereqs, snapshot=EmulatorSnapshot.take())
    _freeze_what_lives_on()  # the snapshot, and the clients and their classes, stay too
    return account


@pytest.fixture
def emulated_account(
    fresh_aws: str,
    emulator_clients: AwsClients,
    provisioned_account: ProvisionedAccount,
    tmp_path: Path,
) -> EmulatedAccount:
    """An emptied emulator holding the prerequisites, the same ids in every test.

    Every service is emptied, then the snapshot's copy put back: whatever an earlier test
    created, changed or deleted, prerequisites included, is gone.
    """
    provisioned_account.snapshot.restore()  # into the emulator fresh_aws has just emptied
    prereqs = provisioned_account.prereqs
    configs = {
        example.stem: write_demo_config(prereqs, example, tmp_path / example.name)
        for example in sorted(EXAMPLES_DIR.glob("*.yaml"))
    }
    return EmulatedAccount(
        endpoint_url=fresh_aws, clients=emulator_clients, prereqs=prereqs, configs=configs
    )


@pytest.fixture
def prerequisites(emulated_account: EmulatedAccount) -> EmulatedAccount:
    """The same as ``emulated_account``; tests/engines/aws/conftest.py narrows it there."""
    return emulated_account


# The files that take longest, slowest first (their summed ``pytest -n 2 --durations``), but
# for the Terraform apply's tests.
# ``--dist loadfile`` hands whole files to the workers in collection order (pyproject.toml turns
# xdist's reordering by test count off), so a long file collected last would keep one worker
# busy after the other has finished; started first, the short files fill in around them.
SLOWEST_FILES = (
    "tests/engines/aws/test_scenarios.py",
    "tests/engines/aws/test_interrupts.py",
    "tests/engines/test_terraform.py",
    "tests/engines/aws/test_faults.py",
    "tests/engines/test_terraform_import_existing.py",
    "tests/engines/test_cloudformation.py",
    "tests/cli/test_local_command.py",
    "tests/engines/aws/test_plan_apply.py",
    "tests/engines/aws/test_parallelism.py",
    "tests/cli/test_operations_commands.py",
    "tests/operations/test_calendar_browser.py",
    "tests/test_docs.py",
    "tests/engines/aws/test_adopt.py",
    "tests/cli/test_operations_docs.py",
    "tests/engines/aws/test_safety.py",
    # Once a minute of the others has run on each worker: its apply runs in the background
    # from the start of the session (tests/engines/background_apply.py) and is done by then.
    "tests/engines/test_terraform_apply.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    rank = {path: index for index, path in enumerate(SLOWEST_FILES)}

    def file_rank(item: pytest.Item) -> int:
        return rank.get(item.nodeid.split("::", 1)[0], len(rank))

    items.sort(key=file_rank)  # stable: each file's own order, and the others', is kept
