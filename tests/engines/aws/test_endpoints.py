"""Endpoints that are wrong, dead, silent or not AWS: each ends the command in one clear line,
in seconds. Every server here is a real socket on the loopback interface."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from ecs_scheduler.cli import main
from ecs_scheduler.engines.aws import AwsClients, DeadlineExceededError, EndpointError
from ecs_scheduler.engines.aws import clients as clients_module
from tests.conftest import EXAMPLES_DIR, REGION

CONFIG = str(EXAMPLES_DIR / "daily-report.yaml")


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, float]:
    """Exit code, the stderr lines that are not the stack file's warnings, and seconds taken."""
    started = time.monotonic()
    with pytest.raises(SystemExit) as ended:
        main(list(args))
    seconds = time.monotonic() - started
    lines = [
        line for line in capsys.readouterr().err.splitlines() if not line.startswith("warning:")
    ]
    code = ended.value.code
    assert isinstance(code, int)
    return code, "\n".join(lines), seconds


def one_line(text: str) -> str:
    assert len(text.strip().splitlines()) == 1, text
    assert "unexpected error" not in text
    assert "Traceback" not in text
    return text.strip()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def silent_endpoint() -> Iterator[str]:
    """Accepts connections (the kernel completes them from the backlog) and never answers."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(128)
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"


@contextmanager
def answering_endpoint(body: bytes, content_type: str) -> Iterator[str]:
    """Answers every request with HTTP 200 and ``body``, like a web server on the wrong port."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            self.send_response(200)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            self.do_POST()

        def log_message(self, format: str, *args: object) -> None:
            """Silent."""

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    # shutdown() returns once serve_forever has seen its flag, which it looks at once per poll
    # interval (0.5 s by default): each test here waited that long for nothing on leaving.
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
    )
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


HTML = b"<!DOCTYPE html>\n<html><head><title>Welcome to nginx!</title></head><body></body></html>"


def test_an_endpoint_without_a_scheme_is_one_sentence(capsys: pytest.CaptureFixture[str]) -> None:
    code, err, _ = run(capsys, "plan", "-c", CONFIG, "--endpoint-url", "localhost:4566")

    assert code == 1
    assert "'localhost:4566'" in one_line(err)
    assert "http://localhost:4566" in err


def test_an_unknown_profile_is_one_sentence(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    endpoint = f"http://127.0.0.1:{free_port()}"

    code, err, _ = run(
        capsys, "plan", "-c", CONFIG, "--profile", "nosuch", "--endpoint-url", endpoint
    )

    assert code == 1
    assert "There is no AWS profile 'nosuch'" in one_line(err)


def test_missing_credentials_say_how_to_provide_them(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    for name in (
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
        "AWS_WEB_IDENTITY_TOKEN_FILE",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    # The last link of the credential chain asks the instance metadata service (169.254.169.254):
    # no traffic may leave the loopback interface.
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    endpoint = f"http://127.0.0.1:{free_port()}"

    code, err, _ = run(capsys, "plan", "-c", CONFIG, "--endpoint-url", endpoint)

    assert code == 1
    line = one_line(err)
    assert line.startswith("No AWS credentials were found")
    assert "AWS_ACCESS_KEY_ID" in line
    assert "--profile" in line
    assert "could not reach" not in line


def test_a_dead_endpoint_fails_within_seconds_naming_it(
    capsys: pytest.CaptureFixture[str],
) -> None:
    endpoint = f"http://127.0.0.1:{free_port()}"

    code, err, seconds = run(capsys, "plan", "-c", CONFIG, "--endpoint-url", endpoint)

    assert code == 1
    assert one_line(err).startswith(f"Could not connect to {endpoint}")
    assert seconds < 5


def test_a_silent_endpoint_ends_at_the_deadline_the_user_gave(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with silent_endpoint() as endpoint:
        code, err, seconds = run(
            capsys, "plan", "-c", CONFIG, "--endpoint-url", endpoint, "--timeout", "1"
        )

    assert code == 1
    line = one_line(err)
    assert line.startswith(f"Gave up: {endpoint} did not finish within this command's deadline")
    assert "--timeout" in line
    assert 1 <= seconds < 9  # the deadline, plus loading the file and making the clients


def test_the_deadline_can_come_from_the_environment(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ECS_SCHEDULER_TIMEOUT", "1")
    with silent_endpoint() as endpoint:
        code, err, seconds = run(capsys, "outputs", "-c", CONFIG, "--endpoint-url", endpoint)

    assert code == 1
    assert "deadline of 1 s" in one_line(err)
    assert seconds < 5


def test_a_silent_endpoint_is_given_up_after_two_read_timeouts(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(clients_module, "READ_TIMEOUT_SECONDS", 0.5)
    with silent_endpoint() as endpoint:
        clients = AwsClients.create(region=REGION, endpoint_url=endpoint)
        started = time.monotonic()
        with pytest.raises(EndpointError) as raised:
            clients.sts.get_caller_identity()
        seconds = time.monotonic() - started

    assert str(raised.value).startswith(
        f"{endpoint} accepted the connection but did not answer sts.GetCallerIdentity"
    )
    assert not isinstance(raised.value, DeadlineExceededError)
    # Two attempts of 0.5 s and one backoff of at most 1 s, not eleven of 60 s.
    assert seconds < 3


def test_an_html_page_is_reported_as_not_aws(capsys: pytest.CaptureFixture[str]) -> None:
    with answering_endpoint(HTML, "text/html") as endpoint:
        code, err, _ = run(capsys, "plan", "-c", CONFIG, "--endpoint-url", endpoint)

    assert code == 1
    line = one_line(err)
    assert line.startswith(f"{endpoint} answered ")
    assert "with an HTML page (HTTP 200), not an AWS response" in line


def test_reading_a_task_definition_from_an_html_page_is_an_endpoint_error() -> None:
    """The call that once ended in ``KeyError: 'taskDefinition'``."""
    with answering_endpoint(HTML, "text/html; charset=utf-8") as endpoint:
        clients = AwsClients.create(region=REGION, endpoint_url=endpoint)
        not_aws = r"answered ecs\.DescribeTaskDefinition with an HTML page"
        with pytest.raises(EndpointError, match=not_aws):
            clients.ecs.describe_task_definition(taskDefinition="daily-report")


@pytest.mark.parametrize(
    ("service", "operation", "name"),
    [
        ("scheduler", "list_schedule_groups", "ListScheduleGroups"),  # rest-json
        ("sqs", "list_queues", "ListQueues"),  # json
        ("cloudwatch", "describe_alarms", "DescribeAlarms"),  # json, of the protocols it offers
    ],
)
def test_a_json_service_answering_something_else_is_an_endpoint_error(
    service: str, operation: str, name: str
) -> None:
    with answering_endpoint(b"OK", "application/json") as endpoint:
        clients = AwsClients.create(region=REGION, endpoint_url=endpoint)
        not_json = rf"answered {service}\.{name} with a body that is not JSON"
        with pytest.raises(EndpointError, match=not_json):
            getattr(getattr(clients, service), operation)()
