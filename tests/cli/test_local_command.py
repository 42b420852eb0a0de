"""`ecs-scheduler local`, `demo --keep` and the demo's packaged example, as a user runs them."""

from __future__ import annotations

import fnmatch
import os
import re
import signal
import socket
import subprocess
import sys
import textwrap
import time
import tomllib
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

import ecs_scheduler
from ecs_scheduler.cli import READY_LINE
from ecs_scheduler.engines.aws.clients import AwsClients
from ecs_scheduler.engines.aws.preflight import preflight
from ecs_scheduler.loader import load
from ecs_scheduler.local import (
    provision_for_config,
    quickstart_example,
    write_local_config,
)
from ecs_scheduler.resources import build
from tests.cli.runner import run_cli_in_subprocess
from tests.conftest import EXAMPLES_DIR, REGION, REPO_ROOT
from tests.prewarmed import Piped, Prewarmed, shared

CLI = [sys.executable, "-m", "ecs_scheduler"]


def test_the_demo_example_is_package_data_identical_to_the_documented_example() -> None:
    packaged = quickstart_example()
    package_dir = Path(ecs_scheduler.__file__).parent
    assert Path(str(packaged)).is_relative_to(package_dir)
    assert packaged.read_text(encoding="utf-8") == (EXAMPLES_DIR / "daily-report.yaml").read_text(
        encoding="utf-8"
    ), (
        "examples/daily-report.yaml is the documented quickstart and the demo ships a copy as "
        "package data: copy it to src/ecs_scheduler/data/daily-report.yaml"
    )
    pyproject = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = pyproject["tool"]["setuptools"]["package-data"]["ecs_scheduler"]
    relative = Path(str(packaged)).relative_to(package_dir).as_posix()
    assert any(fnmatch.fnmatch(relative, pattern) for pattern in patterns), patterns


@pytest.mark.slow
def test_demo_runs_from_another_directory_through_python_dash_m(tmp_path: Path) -> None:
    result = subprocess.run(
        [*CLI, "demo"], capture_output=True, text=True, cwd=tmp_path, timeout=300, check=False
    )
    assert result.returncode == 0, result.stderr
    assert "Destroyed." in result.stdout
    assert list(tmp_path.iterdir()) == []


@pytest.fixture(scope="module")
def python() -> Prewarmed:
    """Forks each command from a Python that imported the CLI and moto's server once
    (tests/prewarmed.py); test_demo_runs_from_another_directory... keeps `python -m`."""
    return shared()


@dataclass
class Serving:
    python: Prewarmed
    process: Piped
    lines: list[str]

    @property
    def environment(self) -> dict[str, str]:
        exports = dict(
            re.fullmatch(r"\s*export (\w+)=(\S+)", line).groups()  # type: ignore[union-attr]
            for line in self.lines
            if line.strip().startswith("export ")
        )
        return {**os.environ, **exports}

    @property
    def config(self) -> Path:
        commands = [line for line in self.lines if line.strip().startswith("ecs-scheduler plan")]
        return Path(commands[0].split(" -c ", 1)[1].strip())

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        return self.python.run([*args, "-c", str(self.config)], env=self.environment, timeout=120)


@contextmanager
def serving(python: Prewarmed, *args: str) -> Iterator[Serving]:
    """Start a serving command, wait for its ready line, and always stop it afterwards."""
    with python.piped(args, module="ecs_scheduler") as started:
        lines: list[str] = []
        for line in started.stdout:
            lines.append(line.rstrip("\n"))
            if line.strip() == READY_LINE:
                break
        else:
            pytest.fail(f"no ready line; stdout {lines}, stderr {started.ended()[1]}")
        yield Serving(python, started, lines)


def interrupt(serve: Serving, signal_number: int = signal.SIGINT) -> tuple[int, str, float]:
    started = time.monotonic()
    serve.process.child.send_signal(signal_number)
    stdout, _ = serve.process.ended()
    return serve.process.child.wait(), stdout, time.monotonic() - started


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@pytest.mark.slow
def test_local_serves_the_users_config_until_ctrl_c(python: Prewarmed) -> None:
    port = free_port()
    config = EXAMPLES_DIR / "multi-schedule.yaml"
    with serving(python, "local", "-c", str(config), "--port", str(port)) as serve:
        assert serve.environment["AWS_ENDPOINT_URL"] == f"http://127.0.0.1:{port}"
        assert serve.environment["AWS_ACCESS_KEY_ID"]
        assert serve.environment["AWS_SECRET_ACCESS_KEY"]
        written = serve.config.read_text(encoding="utf-8")
        assert "subnet-0a1b2c3d4e5f60718" not in written  # moto's ids replace the config's
        assert written.startswith("# Written from ")

        planned = serve.run("plan", "--detailed-exitcode")
        assert planned.returncode == 2, planned.stdout + planned.stderr
        assert "Plan: 12 to add" in planned.stdout
        applied = serve.run("apply", "--auto-approve")
        assert applied.returncode == 0, applied.stdout + applied.stderr
        again = serve.run("plan", "--detailed-exitcode")
        assert again.returncode == 0, again.stdout + again.stderr

        code, stdout, seconds = interrupt(serve)
    assert code == 0
    assert "Stopped the emulator." in stdout
    # Stopping the server takes ~0.5 s; the rest is the interpreter freeing moto's loaded
    # service models (about 4 s measured with the 2 shared cores at load 9, so the bound is
    # loose: it catches a hang, not a slow machine).
    assert seconds < 20
    assert not serve.config.exists()  # the rewritten config lived only as long as the emulator


@pytest.mark.slow
def test_demo_keep_keeps_the_applied_stack_until_ctrl_c(python: Prewarmed) -> None:
    with serving(python, "demo", "--keep") as serve:
        assert not any("Destroyed." in line for line in serve.lines)
        outputs = serve.run("outputs", "--json")
        assert outputs.returncode == 0, outputs.stderr
        assert "daily-report" in outputs.stdout
        plan = serve.run("plan", "--detailed-exitcode")
        assert plan.returncode == 0, plan.stdout + plan.stderr
        code, stdout, _ = interrupt(serve)
    assert code == 0
    assert "Stopped the emulator." in stdout


def test_local_on_a_taken_port_says_so_in_one_line() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        config = str(EXAMPLES_DIR / "daily-report.yaml")
        result = run_cli_in_subprocess("local", "-c", config, "--port", str(port))
    assert result.returncode == 1
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


# Another account, a key by id, a boundary with a path, a pinned revision and named containers:
# everything local must create under the config's names, or map to the emulator's ids.
UNUSUAL = textwrap.dedent(
    """\
    stack: billing
    jobs:
      invoices:
        cluster_name: batch
        ecs_cluster_arn: arn:aws:ecs:us-east-1:111122223333:cluster/batch
        task_name: invoice-run
        task_definition_revision: 3
        schedule_expression: rate(1 hour)
        trusted_compute_subnets: [subnet-0aaaaaaaaaaaaaaaa, subnet-0bbbbbbbbbbbbbbbb]
        security_group_ids: [sg-0cccccccccccccccc]
        kms_key_arn: arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab
        permissions_boundary_arn: arn:aws:iam::111122223333:policy/teams/billing-boundary
        dlq_alarm_actions: [arn:aws:sns:us-east-1:111122223333:billing-alerts]
        overrides:
          containerOverrides:
            - name: worker
              command: [run]
        additional_schedules:
          - name: month-end
            schedule_expression: cron(0 2 L * ? *)
            overrides:
              containerOverrides:
                - name: reporter
        resource_owner: billing-team
        billing_entity: acme
        billing_domain: finance
        security_domain: internal
        aws_region_short_code: use1
    """
)


@pytest.mark.parametrize(
    "source",
    [*sorted(EXAMPLES_DIR.glob("*.yaml")), None],
    ids=lambda path: path.stem if path else "unusual",
)
def test_local_creates_everything_preflight_checks(
    source: Path | None, fresh_aws: str, tmp_path: Path
) -> None:
    if source is None:
        source = tmp_path / "unusual.yaml"
        source.write_text(UNUSUAL, encoding="utf-8")
    account = provision_for_config(load(source).stack, fresh_aws)
    written = write_local_config(source, account, tmp_path / "local" / source.name)

    stack = load(written).stack
    report = preflight(build(stack), AwsClients.create(region=REGION, endpoint_url=fresh_aws))
    assert report.errors == report.unwired_alerts == ()
    # Only a job without an SNS topic is warned about: its task-failure rule tells nobody.
    assert [warning for warning in report.warnings if "nobody is told" not in warning] == []
    for job in stack.jobs.values():
        assert job.account == account.account_id
    original = source.read_text(encoding="utf-8")
    for old in account.replacements:
        assert old in original
        assert old not in written.read_text(encoding="utf-8")


def test_local_keeps_the_configs_names_and_creates_its_containers(
    fresh_aws: str, tmp_path: Path
) -> None:
    source = tmp_path / "unusual.yaml"
    source.write_text(UNUSUAL, encoding="utf-8")
    account = provision_for_config(load(source).stack, fresh_aws)
    clients = AwsClients.create(region=REGION, endpoint_url=fresh_aws)

    definition = clients.ecs.describe_task_definition(taskDefinition="invoice-run:3")
    containers = {item["name"] for item in definition["taskDefinition"]["containerDefinitions"]}
    assert containers == {"worker", "reporter"}
    assert clients.ecs.describe_clusters(clusters=["batch"])["clusters"][0]["status"] == "ACTIVE"
    boundary = f"arn:aws:iam::{account.account_id}:policy/teams/billing-boundary"
    assert clients.iam.get_policy(PolicyArn=boundary)["Policy"]["Path"] == "/teams/"
    topics = [topic["TopicArn"] for topic in clients.sns.list_topics()["Topics"]]
    assert topics == [f"arn:aws:sns:{REGION}:{account.account_id}:billing-alerts"]
    assert account.created["subnet"] == 2
    assert account.created["security group"] == 1


@pytest.mark.slow
def test_ctrl_c_right_after_the_ready_line_stops_cleanly_and_prints_it_once(
    python: Prewarmed,
) -> None:
    """Regression: rich re-printed its buffer when Ctrl-C landed during the ready line."""

    def serve_and_interrupt() -> tuple[int, str, float]:
        with serving(python, "local", "-c", str(EXAMPLES_DIR / "daily-report.yaml")) as serve:
            return interrupt(serve)

    # Two rounds at once: each `local` has its own emulator on its own free port, and its own
    # config in its own temporary directory; neither waits for the other to stop.
    with ThreadPoolExecutor(max_workers=2) as pool:
        rounds = [pool.submit(serve_and_interrupt) for _ in range(2)]
        for finished in rounds:
            code, stdout, _ = finished.result()
            assert code == 0
            assert READY_LINE not in stdout  # it was read before the interrupt, and only once
            assert stdout.strip() == "Stopped the emulator."


@pytest.mark.slow
def test_sigterm_stops_local_like_ctrl_c(python: Prewarmed) -> None:
    with serving(python, "local", "-c", str(EXAMPLES_DIR / "daily-report.yaml")) as serve:
        code, stdout, _ = interrupt(serve, signal.SIGTERM)
    assert code == 0
    assert "Stopped the emulator." in stdout
    assert not serve.config.exists()
