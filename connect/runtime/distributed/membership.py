"""WorkerMembership: this worker's membership in the Connect group, through Kafka's group coordinator.

kafka-python's BaseCoordinator speaks JoinGroup/SyncGroup/Heartbeat with any protocol type;
here it speaks Kafka Connect's (`connect`, protocols `sessioned`/`compatible`, metadata and
assignments from protocol.py). Its network loop and heartbeats run on kafka-python's IO thread;
one membership thread decides when to (re)join. confluent-kafka, used for all data, cannot
express a custom group protocol, hence this second client for membership only.

The rules that keep a task from running on two workers:

- A join completes by handing the herder the new assignment. When it revokes work, the
  membership thread does not rejoin until the herder says it has stopped that work
  (`revocations_applied`): the leader only hands revoked work to another worker in the
  round after its old owner rejoined without it.
- A worker that lost its membership (kicked out of the group, or no heartbeat answered for
  `session.timeout.ms`) stops everything it runs before it joins again (`on_membership_lost`).
- An assignment with a delay (lost work held back) is followed by a rejoin after the delay.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Mapping
from typing import Any, Protocol

from kafka import errors as kafka_errors
from kafka.coordinator.base import BaseCoordinator
from kafka.net.compat import KafkaNetClient
from kafka.structs import MemberState

from connect.runtime.distributed.config import DistributedConfig
from connect.runtime.distributed.protocol import (
    PROTOCOL_TYPE,
    Assignment,
    ConnectProtocol,
    WorkerState,
    decode_assignment,
    decode_metadata,
    encode_assignment,
    encode_metadata,
)

log = logging.getLogger(__name__)


class MembershipListener(Protocol):
    """The herder's side of membership. Calls marked (IO thread) must return quickly."""

    def config_offset(self) -> int:
        """How far this worker has read the config log (IO thread)."""
        ...

    def assign(
        self, leader: str, version: int, members: Mapping[str, WorkerState], generation: int, last_completed: int
    ) -> dict[str, Assignment]:
        """As leader: every member's assignment (IO thread)."""
        ...

    def on_assignment(self, assignment: Assignment, generation: int) -> None:
        """A join completed: `assignment` is everything this worker now runs, plus what it must stop (IO thread)."""
        ...

    def on_membership_lost(self) -> None:
        """This worker is no longer a member: stop everything before it joins again (membership thread)."""
        ...


class MembershipLost(kafka_errors.KafkaError):
    """Raised instead of rejoining while this worker still runs the work of a membership it lost."""

    retriable = False


class _ConnectCoordinator(BaseCoordinator):
    def __init__(self, client: KafkaNetClient, membership: WorkerMembership, **configs: Any) -> None:
        super().__init__(client, **configs)
        self._membership = membership

    def protocol_type(self) -> str:
        return PROTOCOL_TYPE

    def group_protocols(self) -> list[tuple[str, bytes]]:
        return self._membership.group_protocols(self.group_metadata())

    def _perform_assignment(self, leader_id: str, protocol: str, members: Any) -> dict[str, bytes]:
        return self._membership.perform_assignment(leader_id, protocol, members, self.group_metadata().generation_id)

    async def _on_join_complete_async(
        self, generation: int, member_id: str, protocol: str, member_assignment_bytes: bytes
    ) -> None:
        self._membership.join_completed(generation, member_id, protocol, member_assignment_bytes)


class WorkerMembership:
    def __init__(self, config: DistributedConfig, url: str, listener: MembershipListener) -> None:
        self.config = config
        self.url = url
        self._listener = listener
        self._lock = threading.Lock()
        self._stable = threading.Condition(self._lock)
        self.assignment: Assignment | None = None  # everything this worker runs (after revocations)
        self.generation = -1
        self.member_id = ""
        self.last_completed_generation = -1
        self.protocol = config.protocol
        self._revocations_pending = False
        self._rejoin_at: float | None = None
        self._wakeup = threading.Event()
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="membership", daemon=True)
        self._client: KafkaNetClient | None = None
        self._coordinator: _ConnectCoordinator | None = None

    # -- lifecycle -------------------------------------------------------------------------
    def start(self) -> None:
        worker = self.config.worker
        client = KafkaNetClient(
            bootstrap_servers=worker.bootstrap_servers.split(","),
            client_id=f"{worker.client_id_prefix}-{self.config.group_id}-membership",
            **_security(worker.originals),
        )
        client._net.start()  # kafka-python's IO thread: network and heartbeats
        client._manager.bootstrap(30_000)
        self._client = client
        self._coordinator = _ConnectCoordinator(
            client,
            self,
            group_id=self.config.group_id,
            session_timeout_ms=self.config.session_timeout_ms,
            heartbeat_interval_ms=self.config.heartbeat_interval_ms,
            max_poll_interval_ms=self.config.rebalance_timeout_ms,
            retry_backoff_ms=100,
            api_version=client._manager.broker_version,
        )
        self._thread.start()

    def stop(self) -> None:
        """Leave the group (the others rebalance at once) and close the client."""
        self._stopping.set()
        self._wakeup.set()
        self._thread.join(15)
        if self._coordinator is not None:
            try:
                self._coordinator.close(timeout_ms=5_000)
            except Exception as exc:
                log.warning("leaving the group failed: %s", exc)
        if self._client is not None:
            self._client.close()

    # -- state the herder reads ----------------------------------------------------------------
    @property
    def leader_url(self) -> str | None:
        with self._lock:
            return None if self.assignment is None or self.assignment.failed else self.assignment.leader_url

    def is_leader(self) -> bool:
        with self._lock:
            return (
                self.assignment is not None and not self.assignment.failed and self.assignment.leader == self.member_id
            )

    def rebalancing(self) -> bool:
        coordinator = self._coordinator
        with self._lock:
            if self.assignment is None or self._revocations_pending:
                return True
        return coordinator is None or coordinator.need_rejoin() or coordinator.state is not MemberState.STABLE

    def wait_stable(self, timeout: float) -> bool:
        """Wait until no rebalance is in progress here; False when one still is after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while self.rebalancing():
            if time.monotonic() >= deadline:
                return False
            with self._stable:
                self._stable.wait(0.05)
        return True

    # -- what the herder tells us ----------------------------------------------------------------
    def request_rejoin(self, reason: str) -> None:
        log.info("rejoining the group: %s", reason)
        if self._coordinator is not None:
            self._coordinator.request_rejoin()
        self._wakeup.set()

    def revocations_applied(self) -> None:
        """The herder stopped what the last assignment revoked: rejoin (the leader may now hand it out)."""
        with self._lock:
            self._revocations_pending = False
        self.request_rejoin("revoked work stopped")

    # -- the coordinator's callbacks (IO thread) ---------------------------------------------------
    def group_protocols(self, membership: Any) -> list[tuple[str, bytes]]:
        with self._lock:
            lost = bool(self.assignment) and (membership.member_id == "" or membership.generation_id < 0)
            if lost and (self.assignment.connectors or self.assignment.tasks):  # type: ignore[union-attr]
                raise MembershipLost("this worker lost its membership but still runs work")
            current = self.assignment
        offset = self._listener.config_offset()
        protocols = [ConnectProtocol.SESSIONED, ConnectProtocol.COMPATIBLE]
        if self.config.protocol is ConnectProtocol.COMPATIBLE:
            protocols = [ConnectProtocol.COMPATIBLE]
        return [
            (p.wire_name, encode_metadata(WorkerState(self.url, offset, _for_version(current, p.version), p.version)))
            for p in protocols
        ]

    def perform_assignment(self, leader: str, protocol: str, members: Any, generation: int) -> dict[str, bytes]:
        version = ConnectProtocol.from_wire(protocol).version
        states = {m.member_id: decode_metadata(m.metadata) for m in members}
        assignments = self._listener.assign(leader, version, states, generation, self.last_completed_generation)
        return {member: encode_assignment(a) for member, a in assignments.items()}

    def join_completed(self, generation: int, member_id: str, protocol: str, raw: bytes) -> None:
        received = decode_assignment(raw)
        if received is None:
            log.error("joined generation %d without an assignment: rejoining", generation)
            self.request_rejoin("empty assignment")
            return
        with self._lock:
            current = self.assignment
            if current is not None and not received.failed:
                keep_c = [c for c in current.connectors if c not in received.revoked_connectors]
                keep_t = [t for t in current.tasks if t not in received.revoked_tasks]
                received = _with_work(received, keep_c + list(received.connectors), keep_t + list(received.tasks))
            elif received.failed and current is not None:
                received = _with_work(received, list(current.connectors), list(current.tasks))
            self.assignment = received
            self.generation = generation
            self.member_id = member_id
            self.last_completed_generation = generation
            self.protocol = ConnectProtocol.from_wire(protocol)
            self._revocations_pending = received.revokes
            self._rejoin_at = time.monotonic() + received.delay_ms / 1000 if received.delay_ms > 0 else None
            self._stable.notify_all()
        log.info(
            "joined generation %d as %s (%s): %d connector(s), %d task(s); revoked %d/%d; delay %d ms%s",
            generation,
            "leader" if received.leader == member_id else "follower",
            protocol,
            len(received.connectors),
            len(received.tasks),
            len(received.revoked_connectors),
            len(received.revoked_tasks),
            received.delay_ms,
            f"; assignment error {received.error.name}" if received.failed else "",
        )
        self._listener.on_assignment(received, generation)

    # -- the membership thread -------------------------------------------------------------------
    def _run(self) -> None:
        coordinator = self._coordinator
        assert coordinator is not None
        while not self._stopping.is_set():
            try:
                self._step(coordinator)
            except MembershipLost:
                self._lose_membership()
            except kafka_errors.KafkaError as exc:
                log.warning("group membership: %s", exc)
                self._stopping.wait(self.config.heartbeat_interval_ms / 1000)
            except Exception:
                log.exception("group membership failed; retrying")
                self._stopping.wait(1.0)
            self._wakeup.wait(0.1)
            self._wakeup.clear()

    def _step(self, coordinator: _ConnectCoordinator) -> None:
        if coordinator.state is MemberState.STABLE and coordinator.heartbeat.session_timeout_expired():
            log.warning("no heartbeat answered for session.timeout.ms: this worker is no longer a member")
            self._lose_membership()
        if self._rejoin_at is not None and time.monotonic() >= self._rejoin_at:
            self._rejoin_at = None
            coordinator.request_rejoin()
        with self._lock:
            pending = self._revocations_pending
        if coordinator.need_rejoin() and not pending:
            coordinator.ensure_active_group(timeout_ms=500)
        coordinator.poll_heartbeat()

    def _lose_membership(self) -> None:
        """Stop everything (the group may hand it to others), then join again as a new member."""
        log.warning("membership lost: stopping every connector and task here before joining again")
        self._listener.on_membership_lost()
        with self._lock:
            self.assignment = None
            self._revocations_pending = False
            self._rejoin_at = None
        if self._coordinator is not None:
            self._coordinator.reset_generation()


def _with_work(assignment: Assignment, connectors: list[str], tasks: list[Any]) -> Assignment:
    return Assignment(
        assignment.leader,
        assignment.leader_url,
        assignment.config_offset,
        tuple(dict.fromkeys(connectors)),
        tuple(dict.fromkeys(tasks)),
        assignment.revoked_connectors,
        assignment.revoked_tasks,
        assignment.delay_ms,
        assignment.error,
        assignment.version,
    )


def _for_version(assignment: Assignment | None, version: int) -> Assignment | None:
    """What a member says it runs: its current work, nothing revoked, no delay (Kafka Connect's allocation)."""
    if assignment is None or assignment.failed:
        return None
    return Assignment(
        assignment.leader,
        assignment.leader_url,
        assignment.config_offset,
        assignment.connectors,
        assignment.tasks,
        version=version,
    )


def _security(originals: Mapping[str, Any]) -> dict[str, Any]:
    """Worker security keys (security.protocol, sasl.*, ssl.*) in kafka-python's spelling."""
    out: dict[str, Any] = {}
    names = {
        "security.protocol": "security_protocol",
        "sasl.mechanism": "sasl_mechanism",
        "sasl.username": "sasl_plain_username",
        "sasl.password": "sasl_plain_password",
        "ssl.ca.location": "ssl_cafile",
        "ssl.certificate.location": "ssl_certfile",
        "ssl.key.location": "ssl_keyfile",
    }
    for key, name in names.items():
        if originals.get(key):
            out[name] = originals[key]
    return out
