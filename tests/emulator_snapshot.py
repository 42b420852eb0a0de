"""A copy of everything the emulator holds, put back in a few milliseconds before each test.

The emulator is moto's server running in the test process (``ecs_scheduler.local.Emulator``),
so what it holds is moto's backends in this process: one ``BackendDict`` per service, keyed by
account, then by region (moto's ``moto.core.base_backend``). Creating the prerequisites over
HTTP costs ~0.2 s per test; copying the backends that hold them costs ~10 ms. Restoring after a
full reset leaves every other service empty, exactly as a reset followed by provisioning did,
and gives back the same ids and ARNs each time, whatever the previous test changed or deleted.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from moto.core.base_backend import AccountSpecificBackend, BackendDict, backend_lock
from moto.ec2.models import EC2Backend

# (service's BackendDict, account id, that account's backends by region)
_Saved = list[tuple[BackendDict[Any], str, AccountSpecificBackend[Any]]]


@dataclass(frozen=True)
class EmulatorSnapshot:
    """The backends of every service the emulator holds something in, as they were taken."""

    _saved: _Saved

    @classmethod
    def take(cls) -> EmulatorSnapshot:
        with backend_lock:
            live: _Saved = [
                (service, account_id, regions)
                for service in _services_in_use()
                for account_id, regions in service.items()
            ]
            return cls(_copied(live))

    def restore(self) -> None:
        """Put a fresh copy of the snapshot in place of what those services hold now.

        Call it right after a reset: services left out of the snapshot stay as the reset left
        them (empty), and a service the snapshot holds gets the snapshot's accounts only.
        """
        with backend_lock:
            for service, account_id, regions in _copied(self._saved):
                service[account_id] = regions
                if service not in _services_in_use():
                    _services_in_use().append(service)


def _services_in_use() -> list[BackendDict[Any]]:
    """moto's list of the services holding an account; a reset empties it, as it does them."""
    services: list[BackendDict[Any]] = BackendDict._instances  # type: ignore[misc]
    return services


def _copied(saved: _Saved) -> _Saved:
    # One deepcopy for all services, so that a model referring to another service's model gets
    # the copy of it. The BackendDicts are moto's module-level registries: they stay shared.
    memo: dict[int, Any] = {id(service): service for service, _, _ in saved}
    memo.update((id(service), service) for service in _services_in_use())
    copied: _Saved = copy.deepcopy(saved, memo)
    for _, _, regions in copied:
        for backend in regions.values():
            if isinstance(backend, EC2Backend):
                _repoint_security_group_rules(backend)
    return copied


def _repoint_security_group_rules(backend: EC2Backend) -> None:
    """moto's ``SecurityGroupRule.__deepcopy__`` keeps the original's ``ec2_backend`` (moto
    5.2, ``moto/ec2/models/security_groups.py``); point each copied rule at its copied backend,
    so that the snapshot is never written through a rule."""
    for groups in backend.groups.values():
        for group in groups.values():
            for rule in (*group.ingress_rules, *group.egress_rules):
                rule.ec2_backend = backend
