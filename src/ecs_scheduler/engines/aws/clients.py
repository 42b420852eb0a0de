"""The boto3 clients the engine talks to, each created on first use and shared by every thread.

The clients also guard every call, so that a command fails with one clear line instead of
hanging or crashing: short timeouts, few attempts on connection errors, an optional deadline for
the whole command, a stop switch for Ctrl-C, and a check that the answer is an AWS response.
"""

from __future__ import annotations

import copy
import json
import os
import threading
import time
import urllib.parse
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Final

import boto3
import botocore.loaders
import botocore.session
from botocore.config import Config
from botocore.exceptions import (
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    ProfileNotFound,
    ReadTimeoutError,
)
from botocore.handlers import BUILTIN_HANDLERS
from botocore.hooks import HierarchicalEmitter

from ecs_scheduler.engines.aws.errors import (
    AwsEngineError,
    DeadlineExceededError,
    EndpointError,
    InterruptedByUserError,
)

# botocore waits 60 s to connect and 60 s for each read by default, and the retry modes retry
# connection errors and read timeouts like throttles, with backoff capped at 20 s: with
# ``max_attempts: 10`` one call to an endpoint that never answers took ~683 s.
# Sources: https://botocore.amazonaws.com/v1/documentation/api/latest/reference/config.html
# (connect_timeout, read_timeout) and https://docs.aws.amazon.com/boto3/latest/guide/retries.html
# (ConnectionError, ReadTimeoutError and EndpointConnectionError are retried).
CONNECT_TIMEOUT_SECONDS: Final = 3.0
# Every call the engine makes is a small control-plane request that AWS answers in well under a
# second; 20 s leaves room for a slow network without letting a silent endpoint hold a command.
READ_TIMEOUT_SECONDS: Final = 20.0
# A connection error is tried once more (a dropped keep-alive connection is the common transient
# case), then reported; throttles and 5xx keep the retry mode's 10 retries.
CONNECTION_ATTEMPTS: Final = 2
_CONNECTION_ERRORS: Final = (
    EndpointConnectionError,
    ConnectTimeoutError,
    ReadTimeoutError,
    ConnectionClosedError,
)
_JSON_PROTOCOLS: Final = frozenset({"json", "rest-json"})


@dataclass
class ApiCallCounter:
    """Counts the API calls made through the clients, by ``service.Operation``."""

    calls: Counter[str] = field(default_factory=Counter)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def record(self, model: Any, **_: Any) -> None:
        name = f"{model.service_model.service_name}.{model.name}"
        with self._lock:
            self.calls[name] += 1

    @property
    def total(self) -> int:
        with self._lock:
            return sum(self.calls.values())


class CallGuard:
    """botocore event handlers shared by all clients of one command.

    They run on the thread making the call; raising from them ends the call with that error
    (botocore hands an exception raised in ``before-send`` to the retry handlers as the call's
    failure, and lets one raised in ``needs-retry`` or ``before-parse`` propagate).
    """

    def __init__(
        self,
        endpoint_url: str | None,
        deadline_seconds: float | None,
        read_timeout: float = READ_TIMEOUT_SECONDS,
    ) -> None:
        self.endpoint_url = endpoint_url
        self.deadline_seconds = deadline_seconds
        self.read_timeout = read_timeout
        self._deadline = None if deadline_seconds is None else time.monotonic() + deadline_seconds
        self._stopped = threading.Event()

    def stop(self) -> None:
        """Refuse every call from now on; calls already sent run to their end."""
        self._stopped.set()

    @property
    def stopped(self) -> bool:
        return self._stopped.is_set()

    def register(self, client: Any) -> None:
        events = client.meta.events
        events.register("before-send", self.before_send)
        # First, so that it decides before the retry mode schedules another attempt.
        events.register_first("needs-retry", self.needs_retry)
        events.register("before-parse", self.before_parse)

    def before_send(self, request: Any, **_: Any) -> None:
        if self.stopped:
            raise InterruptedByUserError("Interrupted: no new AWS call was started.")
        self._check_deadline(request.url)

    def needs_retry(
        self,
        attempts: int,
        caught_exception: BaseException | None,
        request_dict: dict[str, Any],
        operation: Any,
        response: Any = None,
        **_: Any,
    ) -> None:
        if caught_exception is None and (response is None or response[0].status_code < 400):
            return
        url = request_dict.get("url", "")
        if isinstance(caught_exception, InterruptedByUserError | DeadlineExceededError):
            raise caught_exception
        self._check_deadline(url)
        if isinstance(caught_exception, _CONNECTION_ERRORS) and attempts >= CONNECTION_ATTEMPTS:
            raise EndpointError(self._unreachable(caught_exception, url, operation))

    def before_parse(self, operation_model: Any, response_dict: dict[str, Any], **_: Any) -> None:
        """A 2xx answer must be what the service's protocol sends; botocore would otherwise
        read an HTML page as an empty result (``KeyError`` far from the cause)."""
        if response_dict["status_code"] >= 300:
            return
        body: bytes = response_dict.get("body") or b""
        # By the body, not the Content-Type: moto's server labels some JSON answers text/html.
        start = body[:100].lstrip().lower()
        what = None
        if start.startswith((b"<!doctype html", b"<html")):
            what = "an HTML page"
        elif _protocol(operation_model) in _JSON_PROTOCOLS and body.strip():
            try:
                json.loads(body)
            except ValueError:
                what = "a body that is not JSON"
        if what is not None:
            endpoint = self.endpoint_url or "AWS"
            raise EndpointError(
                f"{endpoint} answered {_name(operation_model)} with {what} "
                f"(HTTP {response_dict['status_code']}), not an AWS response; "
                "check --endpoint-url or AWS_ENDPOINT_URL."
            )

    def _unreachable(self, error: BaseException, url: str, operation: Any) -> str:
        endpoint, attempts = _origin(url), CONNECTION_ATTEMPTS
        if isinstance(error, ReadTimeoutError):
            return (
                f"{endpoint} accepted the connection but did not answer {_name(operation)} "
                f"within {self.read_timeout:g} s ({attempts} attempts); is it an AWS endpoint?"
            )
        if isinstance(error, ConnectionClosedError):
            return f"{endpoint} closed the connection without answering {_name(operation)}."
        return (
            f"Could not connect to {endpoint} ({attempts} attempts): nothing answers there "
            f"within {CONNECT_TIMEOUT_SECONDS:g} s; check --endpoint-url or AWS_ENDPOINT_URL, "
            "and that the service is running."
        )

    def _check_deadline(self, url: str) -> None:
        if self._deadline is not None and time.monotonic() > self._deadline:
            raise DeadlineExceededError(
                f"Gave up: {_origin(url)} did not finish within this command's deadline of "
                f"{self.deadline_seconds:g} s; raise it with --timeout or ECS_SCHEDULER_TIMEOUT."
            )


def _name(operation: Any) -> str:
    return f"{operation.service_model.service_name}.{operation.name}"


def _origin(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.netloc else url


def _protocol(operation: Any) -> str:
    """The protocol botocore speaks to the service. Newer botocore picks one of the protocols a
    service offers (``resolved_protocol``: JSON for CloudWatch, whose model lists CBOR first);
    older releases know one per service (``protocol``)."""
    service = operation.service_model
    return str(getattr(service, "resolved_protocol", service.protocol))


def _check_endpoint(endpoint: str) -> None:
    parts = urllib.parse.urlsplit(endpoint)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise AwsEngineError(
            f"The endpoint URL {endpoint!r} (--endpoint-url or AWS_ENDPOINT_URL) must start "
            f"with http:// or https://, e.g. http://{endpoint.rsplit('://', maxsplit=1)[-1]}."
        )


# botocore reads each service's model, endpoint rules and paginators (JSON files, some of them
# megabytes) once per session, which is most of what making a client costs. Every session this
# module makes shares one loader, so a process that makes clients more than once (a library
# caller planning several stacks, a test suite running every command) reads each file once.
_SHARED_LOADER: Final = botocore.loaders.create_loader()
_SHARED_LOADER_LOCK: Final = threading.Lock()

# A new botocore session registers botocore's ~130 built-in event handlers one at a time (each
# has its signature inspected and its event name matched against every alias): two thirds of
# what making a session costs. They are module-level functions and objects that hold no state
# of a session, so the sessions made here start from a copy of one emitter that holds them, as
# botocore gives each client a copy of its session's emitter (``Session.create_client``).
# The template is made again when the list changes: moto appends its in-process mock to it
# when imported (moto/core/models.py), and a session made after that must carry it too.
_BUILTIN_EVENTS: Final[list[tuple[list[Any], HierarchicalEmitter]]] = []


def _events_with_builtin_handlers() -> HierarchicalEmitter:
    """A new emitter holding what a new session registers first (caller holds the lock)."""
    if not _BUILTIN_EVENTS or _BUILTIN_EVENTS[0][0] != BUILTIN_HANDLERS:
        template = HierarchicalEmitter()
        botocore.session.Session(event_hooks=template)
        _BUILTIN_EVENTS[:] = [(list(BUILTIN_HANDLERS), template)]
    return copy.copy(_BUILTIN_EVENTS[0][1])


def _session(profile: str | None, region: str) -> boto3.session.Session:
    """A boto3 session reading through the shared loader (raises ProfileNotFound)."""
    with _SHARED_LOADER_LOCK:
        core = botocore.session.Session(
            profile=profile,
            event_hooks=_events_with_builtin_handlers(),
            include_builtin_handlers=False,
        )
        # A user's own model directory (AWS_DATA_PATH, a profile's data_path) keeps the
        # loader botocore makes for it.
        if core.get_config_variable("data_path") is None:
            core.register_component("data_loader", _SHARED_LOADER)
        session = boto3.session.Session(
            botocore_session=core, profile_name=profile, region_name=region
        )
        # boto3 appends its own data directory to the loader's search paths for each session.
        _SHARED_LOADER.search_paths[:] = dict.fromkeys(_SHARED_LOADER.search_paths)
    core.get_scoped_config()  # a profile that does not exist fails here, not at a first call
    return session


class _LazyClient:
    """An :class:`AwsClients` attribute: the boto3 client of the service of its name."""

    def __set_name__(self, owner: type, name: str) -> None:
        self.service = name

    def __get__(self, clients: AwsClients, owner: type | None = None) -> Any:
        return clients.client(self.service)


class AwsClients:
    """One command's boto3 clients, each made on first use and then shared by every thread.

    A command talks to a few of these services only; making a client costs a botocore
    service-model load, so none is made before it is needed.
    """

    scheduler = _LazyClient()
    iam = _LazyClient()
    sqs = _LazyClient()
    cloudwatch = _LazyClient()
    ecs = _LazyClient()
    ec2 = _LazyClient()
    kms = _LazyClient()
    sns = _LazyClient()
    sts = _LazyClient()
    events = _LazyClient()

    def __init__(
        self,
        make_client: Callable[[str], Any],
        *,
        region: str,
        endpoint_url: str | None,
        api_calls: ApiCallCounter,
        guard: CallGuard,
    ) -> None:
        self._make_client = make_client
        self._made: dict[str, Any] = {}
        # boto3 sessions are not thread-safe: one lock covers making a client from the session.
        self._lock = threading.Lock()
        self.region = region
        self.endpoint_url = endpoint_url
        self.api_calls = api_calls
        self.guard = guard

    def client(self, service: str) -> Any:
        """The client of ``service``, made now if no thread has asked for it before."""
        made = self._made.get(service)
        if made is None:
            with self._lock:
                made = self._made.get(service)
                if made is None:
                    made = self._made[service] = self._make_client(service)
        return made

    @classmethod
    def create(
        cls,
        *,
        region: str,
        profile: str | None = None,
        endpoint_url: str | None = None,
        max_pool_connections: int = 32,
        deadline_seconds: float | None = None,
    ) -> AwsClients:
        """Clients for ``region``; with ``deadline_seconds``, every call fails once that many
        seconds have passed since now (a command's overall deadline)."""
        endpoint = endpoint_url or os.environ.get("AWS_ENDPOINT_URL") or None
        if endpoint is not None:
            _check_endpoint(endpoint)
        try:
            session = _session(profile, region)
        except ProfileNotFound as error:
            # Without --profile, boto3 takes the name from AWS_PROFILE (or AWS_DEFAULT_PROFILE).
            source = "" if profile is not None else " (from the environment)"
            raise AwsEngineError(
                f"There is no AWS profile {error.kwargs['profile']!r}{source} in ~/.aws/config "
                "or ~/.aws/credentials; `aws configure list-profiles` lists them."
            ) from None
        # The default credential chain: environment, shared files, SSO, container and instance
        # roles (https://docs.aws.amazon.com/boto3/latest/guide/credentials.html).
        if session.get_credentials() is None:
            raise AwsEngineError(
                "No AWS credentials were found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, "
                "or pass --profile NAME (or set AWS_PROFILE) for a profile made with "
                "`aws configure` or `aws configure sso`; an emulator accepts any dummy values."
            )
        read_timeout = READ_TIMEOUT_SECONDS
        if deadline_seconds is not None:
            read_timeout = min(read_timeout, deadline_seconds)
        # Adaptive mode adds client-side rate limiting on top of retrying throttles and 5xx.
        config = Config(
            retries={"mode": "adaptive", "max_attempts": 10},
            max_pool_connections=max_pool_connections,
            connect_timeout=CONNECT_TIMEOUT_SECONDS,
            read_timeout=read_timeout,
        )
        counter = ApiCallCounter()
        guard = CallGuard(endpoint, deadline_seconds, read_timeout)

        def client(service: str) -> Any:
            made = session.client(service, endpoint_url=endpoint, config=config)
            made.meta.events.register("before-call", counter.record)
            guard.register(made)
            return made

        return cls(client, region=region, endpoint_url=endpoint, api_calls=counter, guard=guard)
