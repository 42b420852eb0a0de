"""The Terraform export applied: every example, on the embedded emulator, with a real provider.

Needs ``terraform`` on PATH and hashicorp/aws in a filesystem mirror (``TF_PLUGIN_MIRROR``,
by default /opt/tf-plugins); skipped, with the reason, where either is missing. Every example
is exported with the emulator's prerequisites, all of them are applied from one root (one
``terraform init``, one apply in parallel), and then both the AWS engine's plan and
``terraform plan`` must find nothing to change: the engines agree on every resource. The
same root applies the old module whose cut-over ``terraform state rm`` lines
tests/migration/v2_module.py holds, here on a copy of the root.

The apply runs in the background, in a process of its own started as soon as the session
knows these tests will run (tests/engines/background_apply.py): ``python -m
tests.engines.test_terraform_apply DIRECTORY`` applies, writes DIRECTORY/ready.json, and then
serves its emulator; the ``applied`` fixture waits for it.

The provider's credentials for the emulator live only in the test's override file next to
each export's ``main.tf``, and its endpoint only in terraform's environment
(``AWS_ENDPOINT_URL``); the exported files themselves are the user's.
"""

from __future__ import annotations

import dataclasses
import os
import re
import shutil
import subprocess
import sys
import threading
import traceback
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path, PurePosixPath
from typing import Any

import pytest
import yaml

from ecs_scheduler.engines.aws import AwsClients, plan
from ecs_scheduler.engines.terraform import export_terraform, render_terraform
from ecs_scheduler.loader import loads
from ecs_scheduler.local import (
    Emulator,
    Prerequisites,
    provision_prerequisites,
    write_demo_config,
)
from ecs_scheduler.resources import DesiredState, build
from tests.conftest import EXAMPLES_DIR
from tests.engines.background_apply import (
    BackgroundApply,
    started_directory,
    stop_group_when_stdin_closes,
    wait_until_applied,
    write_ready,
)
from tests.engines.test_terraform import desired_state, mirrored_aws_versions, without_task_tags
from tests.migration.v2_module import (
    OLD_MODULE,
    OLD_MODULE_CALL,
    OLD_MODULE_DIRECTORY,
    ROOT_PROVIDER,
    the_state_rm_lines_leave_nothing_to_recreate_or_destroy,
)

# These tests run on one worker, in order (--dist loadfile): some change what was applied.
pytestmark = pytest.mark.slow

MIRROR = Path(os.environ.get("TF_PLUGIN_MIRROR", "/opt/tf-plugins"))
NEWEST_MIRRORED = max(mirrored_aws_versions(MIRROR), default=()) if MIRROR.is_dir() else ()


def _required_aws_version(example: str) -> tuple[int, ...]:
    """The oldest hashicorp/aws the example's export accepts (6.14 with action_after_completion)."""
    versions = render_terraform(desired_state(example))[PurePosixPath("versions.tf")]
    match = re.search(r'"hashicorp/aws"\s+version\s*=\s*">= ([0-9.]+)"', versions)
    assert match is not None, versions
    return tuple(int(part) for part in match.group(1).split("."))


# Examples whose export needs a newer provider than the mirror holds are not applied; each is
# reported as skipped, with the version it needs.
REQUIRED = {path.stem: _required_aws_version(path.stem) for path in EXAMPLES_DIR.glob("*.yaml")}
APPLIED = sorted(example for example, version in REQUIRED.items() if version <= NEWEST_MIRRORED)
NOT_APPLIED = sorted(set(REQUIRED) - set(APPLIED))
# daily-report with a start and an end date ahead: both engines must write the same dates.
DATED = "daily-report-dated"
# ec2-placement as another stack, with its task_tags written as the provider's `tags` argument
# by hand (the export refuses them): shows what the provider sends instead.
TAGGED = "ec2-placement-tagged"
TASK_TAGS: Mapping[str, str] = {"Purpose": "maintenance"}  # ec2-placement's task_tags
TIMEOUT_SECONDS = 600
# Credentials for the emulator, merged into each export's provider block. The endpoint is not
# here: with an ``endpoints`` block each plan and apply provider process (one per module)
# spent 3.2 s of CPU validating the provider configuration, 0.3 s without it (measured with
# hashicorp/aws 5.100.0; the same slow validation of custom endpoints: pulumi/pulumi-aws#2880).
PROVIDER_OVERRIDE = (
    'provider "aws" {\n'
    '  access_key                  = "testing"\n'
    '  secret_key                  = "testing"\n'
    "  skip_credentials_validation = true\n"
    "  skip_metadata_api_check     = true\n"
    "  skip_region_validation      = true\n"
    "}\n"
)


def terraform_environment(cli_config: Path, endpoint_url: str) -> dict[str, str]:
    """Terraform's environment: the CLI config, no prompt, and every AWS call to the emulator.

    hashicorp/aws sends every service to ``AWS_ENDPOINT_URL`` unless a service-specific
    ``AWS_ENDPOINT_URL_<SERVICE>`` says otherwise or ``AWS_IGNORE_CONFIGURED_ENDPOINT_URLS``
    is set (provider docs, guides/custom-service-endpoints): those are removed, so no call
    leaves the loopback emulator. ``CHECKPOINT_DISABLE`` stops terraform's upgrade check, a
    request to checkpoint-api.hashicorp.com on every command (hashicorp/go-checkpoint, check.go).
    """
    inherited = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("AWS_ENDPOINT_URL_")
        and name != "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"
    }
    return {
        **inherited,
        "AWS_ENDPOINT_URL": endpoint_url,
        "CHECKPOINT_DISABLE": "1",
        "TF_CLI_CONFIG_FILE": str(cli_config),
        "TF_IN_AUTOMATION": "1",
        "TF_INPUT": "0",
    }


@dataclass(frozen=True)
class Terraform:
    binary: str
    root: Path
    environment: Mapping[str, str]

    def run(self, *arguments: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [self.binary, *arguments],
            cwd=self.root,
            capture_output=True,
            text=True,
            timeout=TIMEOUT_SECONDS,
            check=False,
            env=dict(self.environment),
        )


@dataclass(frozen=True)
class AppliedExports:
    terraform: Terraform
    clients: AwsClients
    prereqs: Prerequisites
    desired: Mapping[str, DesiredState]


def _terraform_or_skip() -> str:
    binary = shutil.which("terraform")
    if binary is None:
        pytest.skip("terraform is not on PATH: the Terraform export is not applied")
    if not (MIRROR / "registry.terraform.io" / "hashicorp" / "aws").is_dir():
        pytest.skip(f"no hashicorp/aws provider in the filesystem mirror {MIRROR}")
    return binary


def _dated(text: str) -> str:
    """daily-report as another stack, with a start and an end date still ahead."""
    document = yaml.safe_load(text)
    document["stack"] = "reporting-dated"
    now = datetime.now(UTC).replace(microsecond=0)
    for job in document["jobs"].values():
        job["start_date"] = (now + timedelta(days=30)).isoformat()
        job["end_date"] = (now + timedelta(days=400)).isoformat()
    return yaml.safe_dump(document, sort_keys=False)


def _renamed(text: str, stack: str) -> str:
    document = yaml.safe_load(text)
    document["stack"] = stack
    return yaml.safe_dump(document, sort_keys=False)


def _with_provider_task_tags(module_main: Path, tags: Mapping[str, str]) -> None:
    """Add ``tags`` to ``ecs_parameters``, as a user would write the provider's argument."""
    entries = ", ".join(f'"{key}" = "{value}"' for key, value in tags.items())
    text = module_main.read_text(encoding="utf-8")
    assert "    ecs_parameters {\n" in text
    module_main.write_text(
        text.replace(
            "    ecs_parameters {\n", f"    ecs_parameters {{\n      tags = {{ {entries} }}\n"
        ),
        encoding="utf-8",
    )


# For the roots of other tests (terraform_root.py): an emulator of its own, in a process of its
# own. moto keeps its state per process, so the applied stacks
# outlive the other tests a worker runs in between (each of which empties the worker's emulator).
_SERVE_EMULATOR = (
    "import sys\n"
    "from ecs_scheduler.local import Emulator\n"
    "emulator = Emulator().start()\n"
    "print(emulator.endpoint_url, flush=True)\n"
    "sys.stdin.read()\n"
)


@pytest.fixture(scope="session")
def own_emulator() -> Iterator[str]:
    """The endpoint of an emulator running in a child process, stopped when stdin closes."""
    child = subprocess.Popen(
        [sys.executable, "-c", _SERVE_EMULATOR],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None and child.stdin is not None
    try:
        yield child.stdout.readline().strip()
    finally:
        child.stdin.close()
        child.wait(timeout=30)


def _apply_every_example(directory: Path, endpoint_url: str) -> Mapping[str, object]:
    """Every applicable example exported to one root, with the old module of the cut-over's
    state rm lines, and applied to the empty emulator at ``endpoint_url``.

    Returns what the tests read back (``ready.json``): the prerequisites, and the apply's
    exit code and output. Each config the AWS engine's plan is compared with is written to
    ``desired/NAME.yaml``: the dated one holds dates computed here, once.
    """
    binary = shutil.which("terraform")
    assert binary is not None
    prereqs = provision_prerequisites(
        AwsClients.create(region="us-east-1", endpoint_url=endpoint_url)
    )
    work = directory / "work"
    root = directory / "root"
    calls: list[str] = []
    desired: dict[str, str] = {}
    exported: dict[str, str] = {}
    for example in APPLIED:
        config = write_demo_config(prereqs, EXAMPLES_DIR / f"{example}.yaml", work / example)
        exported[example] = desired[example] = without_task_tags(config.read_text(encoding="utf-8"))
        if example == "daily-report":
            exported[DATED] = desired[DATED] = _dated(desired[example])
        if example == "ec2-placement":
            desired[TAGGED] = _renamed(config.read_text(encoding="utf-8"), "maintenance-tagged")
            exported[TAGGED] = without_task_tags(desired[TAGGED])
    (directory / "desired").mkdir()
    for name, text in desired.items():
        (directory / "desired" / f"{name}.yaml").write_text(text, encoding="utf-8")
    for name, text in exported.items():
        export_terraform(build(loads(text, f"{name}.yaml").stack), root / name)
        (root / name / "emulator_override.tf").write_text(PROVIDER_OVERRIDE, encoding="utf-8")
        calls.append(f'module "{name}" {{\n  source = "./{name}"\n}}\n')
    [tagged_job] = build(loads(desired[TAGGED], f"{TAGGED}.yaml").stack).task_definitions
    _with_provider_task_tags(root / TAGGED / "modules" / tagged_job / "main.tf", TASK_TAGS)
    (root / OLD_MODULE_DIRECTORY).mkdir()
    (root / OLD_MODULE_DIRECTORY / "main.tf").write_text(OLD_MODULE, encoding="utf-8")
    calls.append(OLD_MODULE_CALL)
    (root / "main.tf").write_text("\n".join([ROOT_PROVIDER, *calls]), encoding="utf-8")
    (root / "emulator_override.tf").write_text(PROVIDER_OVERRIDE, encoding="utf-8")
    cache = directory / "plugin-cache"
    cache.mkdir()
    _cli_config(directory).write_text(
        f'plugin_cache_dir = "{cache}"\n'
        f'provider_installation {{\n  filesystem_mirror {{\n    path = "{MIRROR}"\n  }}\n}}\n',
        encoding="utf-8",
    )
    terraform = Terraform(binary, root, terraform_environment(_cli_config(directory), endpoint_url))
    output = ""
    for command in (
        ("init", "-backend=false", "-no-color"),
        ("apply", "-auto-approve", "-no-color", "-parallelism=16"),
    ):
        completed = terraform.run(*command)
        output += completed.stdout + completed.stderr
        if completed.returncode != 0:
            break
    return {
        "endpoint_url": endpoint_url,
        "prereqs": dataclasses.asdict(prereqs),
        "returncode": completed.returncode,
        "output": output,
    }


def _cli_config(directory: Path) -> Path:
    return directory / "terraform.rc"


def _serve_applied_exports(directory: Path) -> None:
    """The background apply's process (tests/engines/background_apply.py): an emulator of its
    own, every example applied to it, then served until stdin closes."""
    if not (MIRROR / "registry.terraform.io" / "hashicorp" / "aws").is_dir():
        write_ready(directory, {"returncode": -1, "output": f"no hashicorp/aws in {MIRROR}"})
        return  # the tests skip (_terraform_or_skip)
    stop_group_when_stdin_closes()
    emulator = Emulator().start()
    try:
        ready = _apply_every_example(directory, emulator.endpoint_url)
    except BaseException:
        ready = {"returncode": -1, "output": traceback.format_exc()}
    write_ready(directory, ready)
    threading.Event().wait()


@pytest.fixture(scope="session")
def applied(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[AppliedExports]:
    """The background apply, waited for: the session's (tests/engines/background_apply.py), or
    this worker's own where the session shares none (another ``--dist``)."""
    binary = _terraform_or_skip()
    directory = started_directory(request.config)
    own = None
    if directory is None:
        own = BackgroundApply(tmp_path_factory.mktemp("terraform-apply"))
        own.start()
        directory = own.directory
    try:
        ready = wait_until_applied(directory, TIMEOUT_SECONDS)
        assert ready["returncode"] == 0, ready["output"]
        endpoint_url = ready["endpoint_url"]
        fields: dict[str, Any] = {
            field: tuple(value) if isinstance(value, list) else value
            for field, value in ready["prereqs"].items()
        }
        prereqs = Prerequisites(**fields)
        desired = {
            path.stem: build(loads(path.read_text(encoding="utf-8"), path.name).stack)
            for path in sorted((directory / "desired").glob("*.yaml"))
        }
        environment = terraform_environment(_cli_config(directory), endpoint_url)
        yield AppliedExports(
            Terraform(binary, directory / "root", environment),
            AwsClients.create(region="us-east-1", endpoint_url=endpoint_url),
            prereqs,
            desired,
        )
    finally:
        if own is not None:
            own.stop()


@pytest.mark.parametrize("example", NOT_APPLIED)
def test_examples_the_mirrored_provider_cannot_apply_are_reported(example: str) -> None:
    pytest.skip(
        f"{example} is not applied: its export needs hashicorp/aws >= "
        f"{'.'.join(map(str, REQUIRED[example]))}, the mirror {MIRROR} holds "
        f"{'.'.join(map(str, NEWEST_MIRRORED)) or 'none'} (docs/terraform.md, provider version)"
    )


@pytest.mark.parametrize("example", [*APPLIED, DATED])
def test_the_aws_engine_finds_nothing_to_change_after_terraform_apply(
    applied: AppliedExports, example: str
) -> None:
    changes = plan(applied.desired[example], applied.clients).changes
    assert [change.to_json() for change in changes] == []


def test_terraform_plan_finds_nothing_to_change_after_apply(applied: AppliedExports) -> None:
    completed = applied.terraform.run("plan", "-detailed-exitcode", "-no-color", "-parallelism=16")
    assert completed.returncode == 0, completed.stdout + completed.stderr


def test_terraform_removes_policies_attached_to_the_role_by_hand(applied: AppliedExports) -> None:
    """As the AWS engine does: the role keeps the job's inline policy and nothing else."""
    resources = applied.desired["daily-report"].resources.values()
    [role] = [resource for resource in resources if resource.type == "aws_iam_role"]
    [own_policy] = [resource for resource in resources if resource.type == "aws_iam_role_policy"]
    iam = applied.clients.iam
    iam.attach_role_policy(
        RoleName=role.aws_name, PolicyArn=applied.prereqs.permissions_boundary_arn
    )
    iam.put_role_policy(
        RoleName=role.aws_name,
        PolicyName="added-by-hand",
        PolicyDocument='{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", '
        '"Action": "ecs:*", "Resource": "*"}]}',
    )
    module = "module.daily-report.module.daily-report"
    completed = applied.terraform.run(
        "apply",
        "-auto-approve",
        "-no-color",
        f"-target={module}.aws_iam_role_policy_attachments_exclusive.scheduler",
        f"-target={module}.aws_iam_role_policies_exclusive.scheduler",
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "0 added, 2 changed, 0 destroyed" in completed.stdout
    assert iam.list_attached_role_policies(RoleName=role.aws_name)["AttachedPolicies"] == []
    assert iam.list_role_policies(RoleName=role.aws_name)["PolicyNames"] == [own_policy.aws_name]


def test_the_provider_writes_task_tags_in_a_shape_the_aws_engine_does_not(
    applied: AppliedExports,
) -> None:
    """Why the export refuses task_tags (terraform-provider-aws issues 45629 and 32259).

    When this fails, the provider sends the tags as Scheduler documents them, and the export
    can write ``tags`` again (with this test turned into an equality).
    """
    [schedule] = [
        resource
        for resource in applied.desired[TAGGED].resources.values()
        if resource.type == "aws_scheduler_schedule"
    ]
    assert schedule.properties["Target"]["EcsParameters"]["Tags"] == [TASK_TAGS]
    [group] = [
        resource
        for resource in applied.desired[TAGGED].resources.values()
        if resource.type == "aws_scheduler_schedule_group"
    ]
    live = applied.clients.scheduler.get_schedule(Name=schedule.aws_name, GroupName=group.aws_name)
    assert live["Target"]["EcsParameters"]["Tags"] == [
        {"key": key, "value": value} for key, value in TASK_TAGS.items()
    ]
    changes = plan(applied.desired[TAGGED], applied.clients).changes
    assert [(change.address, change.action) for change in changes] == [(schedule.address, "update")]


def test_the_state_rm_lines_leave_the_old_terraform_nothing_to_recreate_or_destroy(
    applied: AppliedExports, tmp_path: Path
) -> None:
    """In a root of the old module alone, as its user has: a copy of this root's initialised
    directory whose state and configuration keep the old module and nothing else.

    The printed lines run terraform twenty times, and terraform checks the 700 MB provider
    against the lock file's checksum each time it loads it (half a second of CPU, once for a
    ``state list`` and twice for a ``state rm``: nearly all they cost). The copy's CLI
    configuration names the mirror's provider as a development override, which runs the same
    executable without that check ("opt out of the version number and checksum verification":
    hashicorp/terraform, internal/command/e2etest/provider_dev_test.go); what the lines do to
    the state is the same.
    """
    source = applied.terraform.root
    root = tmp_path / "old-root"
    root.mkdir()
    for name in (".terraform", OLD_MODULE_DIRECTORY):
        shutil.copytree(source / name, root / name, symlinks=True)
    for name in (".terraform.lock.hcl", "emulator_override.tf", "terraform.tfstate"):
        shutil.copy2(source / name, root / name)
    (root / "main.tf").write_text(ROOT_PROVIDER + OLD_MODULE_CALL, encoding="utf-8")
    [package] = (root / ".terraform" / "providers" / "registry.terraform.io" / "hashicorp").glob(
        "aws/*/*"
    )
    cli_config = tmp_path / "terraform.rc"
    cli_config.write_text(
        "provider_installation {\n"
        f'  dev_overrides {{\n    "hashicorp/aws" = "{package.resolve()}"\n  }}\n'
        f'  filesystem_mirror {{\n    path = "{MIRROR}"\n  }}\n'
        "}\n",
        encoding="utf-8",
    )
    environment = {**applied.terraform.environment, "TF_CLI_CONFIG_FILE": str(cli_config)}
    old_terraform = Terraform(applied.terraform.binary, root, environment)
    examples = [f"module.{example}" for example in applied.desired]
    completed = old_terraform.run("state", "rm", *examples)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    the_state_rm_lines_leave_nothing_to_recreate_or_destroy(old_terraform, applied.clients)


if __name__ == "__main__":
    _serve_applied_exports(Path(sys.argv[1]))
