"""DistributedHerder: one worker of a cluster that shares connectors and tasks through Kafka.

Everything the cluster agrees on lives in three compacted topics (configs, statuses, offsets)
and in the group coordinator's generations. This herder:

- answers reads from its own copy of the config and status topics, at once, rebalance or not;
- serves writes only as the leader (the leader's REST threads write to the config topic and
  wait until they read the write back); other workers raise NotLeaderException with the
  leader's URL and the REST layer forwards the request there. A write arriving while a
  rebalance is in progress waits for it up to `worker.sync.timeout.ms`, then gets a 409;
- computes the group's assignment when elected leader (assignor.py);
- hands assignments and config changes to AssignedWork, whose one thread starts and stops
  what this worker runs.

Startup order: read the config topic to its end (`start_stores`), serve REST, then join the
group (`join(url)`), so a worker never runs or serves a config older than the topic's.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Collection, Mapping
from typing import Any
from urllib.parse import urlsplit

from confluent_kafka import Producer

from connect.errors import (
    AlreadyExistsException,
    BadRequestException,
    ConnectException,
    NotAssignedException,
    NotFoundException,
    NotLeaderException,
    RebalanceNeededException,
)
from connect.plugins import PluginRegistry, default_registry
from connect.runtime.distributed.assigned_work import AssignedWork
from connect.runtime.distributed.assignor import IncrementalCooperativeAssignor, LeaderState
from connect.runtime.distributed.config import DistributedConfig
from connect.runtime.distributed.internal_client import InternalClient
from connect.runtime.distributed.membership import WorkerMembership
from connect.runtime.distributed.protocol import Assignment, WorkerState
from connect.runtime.distributed.session import expired, new_session_key, verify
from connect.runtime.distributed.stores import ClusterStores
from connect.runtime.herder import ConnectorInfo, ConnectorStatus, InternalRequestSignature
from connect.runtime.herder_base import HerderBase
from connect.runtime.states import State, TargetState, TaskId
from connect.runtime.worker import Worker
from connect.storage.configs.kafka import RestartRequest, SessionKey
from connect.storage.statuses import Status

log = logging.getLogger(__name__)


class DistributedHerder(HerderBase):
    def __init__(self, worker_props: Mapping[str, Any], registry: PluginRegistry | None = None) -> None:
        self.cluster = DistributedConfig.parse(worker_props)
        self.config = self.cluster.worker
        registry = registry or default_registry()
        self.stores = ClusterStores(self.cluster)
        worker = Worker(
            self.config, registry, self.stores.offsets, self.stores.statuses, exactly_once=self.stores.exactly_once
        )
        super().__init__(worker, self.stores.configs, self.stores.statuses, registry)
        self.kafka_configs = self.stores.configs
        self.membership: WorkerMembership | None = None
        self.assignor = IncrementalCooperativeAssignor(self.cluster.scheduled_rebalance_max_delay_ms)
        self.leader_state: LeaderState | None = None
        self._sync_timeout = self.cluster.worker_sync_timeout_ms / 1000
        self.work = AssignedWork(
            worker,
            self.kafka_configs,
            self.statuses,
            self,
            self._record_connector,
            self._record_task,
            self._sync_timeout,
        )
        self._write_lock = threading.Lock()  # one leader write at a time
        self._leading = False
        self._fence_lock = threading.Lock()
        self._client = InternalClient(self.cluster, self.kafka_configs.session_key)
        self.stores.preflight = self.fence_before_start

    # -- lifecycle -------------------------------------------------------------------------
    def start_stores(self) -> None:
        """Read the config and status topics to their ends and start the worker; nothing runs yet."""
        self.statuses.start()
        self.configs.start()
        self.worker.start()
        self._cluster_id = self.worker.kafka_cluster_id()

    def join(self, url: str) -> None:
        """Join the group as the worker whose REST API answers at `url`."""
        parts = urlsplit(url)
        self.worker.worker_id = f"{parts.hostname}:{parts.port}"
        self.configs.set_update_listener(self)
        self.work.start()
        self.membership = WorkerMembership(self.cluster, url.rstrip("/") + "/", self)
        self.membership.start()
        self._started = True

    def start(self, url: str) -> None:
        self.start_stores()
        self.join(url)

    def stop(self) -> None:
        """Stop what runs here (offsets committed), leave the group, close the stores."""
        self.work.stop()
        if self.membership is not None:
            self.membership.stop()
        self._client.close()
        self.worker.stop()
        self.configs.stop()
        self.statuses.stop()

    def health(self) -> dict[str, Any]:
        out = super().health()
        if self.work.assignment is None:
            out["status"], out["message"] = "starting", "Worker has not joined the cluster yet."
        return out

    def refresh(self) -> None:
        self.kafka_configs.read_to_end(self._sync_timeout)

    # -- membership listener (called by WorkerMembership) ---------------------------------------
    def config_offset(self) -> int:
        return self.configs.snapshot().offset

    def assign(
        self, leader: str, version: int, members: Mapping[str, WorkerState], generation: int, last_completed: int
    ) -> dict[str, Assignment]:
        assignments, self.leader_state = self.assignor.perform_assignment(
            leader, version, members, self.configs.snapshot(), generation, last_completed
        )
        return assignments

    def on_assignment(self, assignment: Assignment, generation: int) -> None:
        self.work.post("assignment", (assignment, generation))

    def on_membership_lost(self) -> None:
        self.work.lose_all()

    # -- config store listener (called by the config topic's reader) ------------------------------
    def on_connector_config_update(self, connector: str) -> None:
        self.work.post("connector", connector)

    def on_connector_config_remove(self, connector: str) -> None:
        self.work.post("removed", connector)

    def on_task_config_update(self, tasks: Collection[TaskId]) -> None:
        self.work.post("tasks", list(tasks))

    def on_connector_target_state_change(self, connector: str) -> None:
        self.work.post("target", connector)

    def on_restart_request(self, request: RestartRequest) -> None:
        self.work.post("restart", request)

    def on_session_key_update(self, key: SessionKey) -> None:
        log.debug("new session key from the leader")

    # -- what AssignedWork asks of the cluster ---------------------------------------------------
    def request_rejoin(self, reason: str) -> None:
        if self.membership is not None:
            self.membership.request_rejoin(reason)

    def revocations_applied(self) -> None:
        if self.membership is not None:
            self.membership.revocations_applied()

    def publish_task_configs(self, connector: str, configs: list[dict[str, Any]]) -> None:
        membership = self.membership
        if membership is not None and membership.is_leader():
            self._write_task_configs(connector, configs)
            return
        url = membership.leader_url if membership is not None else None
        if url is None:
            raise ConnectException("no leader known yet")
        self._client.put_task_configs(url, connector, configs)

    def after_assignment(self) -> None:
        if self.membership is None or not self.membership.is_leader():
            self._leading = False
            return
        if not self._leading:  # just elected: fence a former leader's config writer (exactly-once)
            with self._write_lock:
                self.stores.claim_write_privileges()
            self._leading = True
        self._clean_statuses()
        self.periodic()

    def periodic(self) -> None:
        membership = self.membership
        if membership is None or not membership.is_leader() or self.cluster.protocol.version < 2:
            return
        if expired(self.kafka_configs.session_key(), self.cluster.key_ttl_ms):
            with self._write_lock:
                self.kafka_configs.put_session_key(new_session_key(self.cluster.signature_algorithm))
            log.info("distributed a new session key")

    def _clean_statuses(self) -> None:
        """The leader forgets statuses of deleted connectors, and of tasks beyond a connector's task count."""
        snapshot = self.configs.snapshot()
        for name in self.statuses.connectors() - set(snapshot.connectors()):
            self.statuses.remove(name)
        for name in snapshot.connectors():
            count = len(snapshot.tasks(name))
            for task in [t for t in self.statuses.tasks(name) if t >= count]:
                self.stores.statuses.remove_task(TaskId(name, task))

    # -- statuses carry the generation they were written in ------------------------------------------
    def _record_connector(self, name: str, state: State, trace: str | None) -> None:
        self.statuses.put_connector(name, Status(state, self.worker.worker_id, trace, max(self.work.generation, 0)))

    def _record_task(self, task_id: TaskId, state: State, trace: str | None) -> None:
        self.statuses.put_task(task_id, Status(state, self.worker.worker_id, trace, max(self.work.generation, 0)))

    # -- writes: the leader's -----------------------------------------------------------------------
    def _as_leader(self, what: str) -> None:
        membership = self.membership
        if membership is None:
            raise NotLeaderException(f"Only the leader can {what}.", None)
        if not membership.wait_stable(self._sync_timeout):
            raise RebalanceNeededException("Request cannot be completed because a rebalance is expected")
        if not membership.is_leader():
            raise NotLeaderException(f"Only the leader can {what}.", membership.leader_url)

    def _fresh(self) -> None:
        if not self.kafka_configs.read_to_end(self._sync_timeout):
            raise ConnectException("Failed to read to end of config topic")

    def put_connector_config(
        self,
        name: str,
        config: Mapping[str, Any],
        *,
        allow_replace: bool,
        initial_state: TargetState = TargetState.STARTED,
    ) -> tuple[bool, ConnectorInfo]:
        self._as_leader("set connector configs")
        checked = self._checked(name, config)
        with self._write_lock:
            self._fresh()
            existing = self.configs.contains(name)
            if existing and not allow_replace:
                raise AlreadyExistsException(f"Connector {name} already exists")
            self.configs.put_connector_config(name, checked, None if existing else initial_state)
        return not existing, self.connector_info(name)

    def patch_connector_config(self, name: str, patch: Mapping[str, Any | None]) -> ConnectorInfo:
        self._as_leader("set connector configs")
        return self.put_connector_config(name, self._patched(name, patch), allow_replace=True)[1]

    def delete_connector(self, name: str) -> None:
        self._as_leader("delete connector configs")
        with self._write_lock:
            self._fresh()
            self._config(name)
            self.configs.remove_connector_config(name)

    def _target(self, name: str, target: TargetState) -> None:
        with self._write_lock:
            self._fresh()
            self._config(name)
            if target is TargetState.STOPPED:
                self.configs.put_task_configs(name, [])
            self.configs.put_target_state(name, target)

    def pause_connector(self, name: str) -> None:
        self._as_leader("pause connectors")
        self._target(name, TargetState.PAUSED)

    def resume_connector(self, name: str) -> None:
        self._as_leader("resume connectors")
        self._target(name, TargetState.STARTED)

    def stop_connector(self, name: str) -> None:
        self._as_leader("transition connectors to the STOPPED state")
        self._target(name, TargetState.STOPPED)

    def restart_connector(
        self, name: str, *, include_tasks: bool = False, only_failed: bool = False
    ) -> ConnectorStatus:
        """Written to the config topic; each worker restarts what it runs of the connector. Answers the plan."""
        self._as_leader("process restart requests")
        with self._write_lock:
            self._fresh()
            self._config(name)
            answer, _ = self._restart_plan(name, include_tasks, only_failed)
            if self.configs.snapshot().target_state(name) is not TargetState.STOPPED:  # a stopped one stays so
                self.kafka_configs.put_restart_request(RestartRequest(name, include_tasks, only_failed))
        return answer

    def restart_task(self, name: str, task: int) -> None:
        snapshot = self.configs.snapshot()
        self._config(name, snapshot)
        task_id = TaskId(name, task)
        if snapshot.task_config(task_id) is None:
            raise NotFoundException(f"Task {name}-{task} not found")
        if self.work.runs_task(task_id):
            self.work.restart_task(task_id)
            return
        membership = self.membership
        if membership is not None and membership.is_leader():
            owner = self.leader_state.owner_url(name, task) if self.leader_state else None
            raise NotAssignedException("Cannot restart task since it is not assigned to this member", owner)
        raise NotLeaderException(
            "Cannot restart task since it is not assigned to this member",
            membership.leader_url if membership else None,
        )

    def alter_connector_offsets(self, name: str, offsets: list[dict[str, Any]]) -> str:
        self._as_leader("process external offsets modification requests")
        self._await_tasks_stopped(name)
        return super().alter_connector_offsets(name, offsets)

    def reset_connector_offsets(self, name: str) -> str:
        self._as_leader("process external offsets modification requests")
        self._await_tasks_stopped(name)
        return super().reset_connector_offsets(name)

    def _await_tasks_stopped(self, name: str) -> None:
        """A STOPPED connector's tasks stop on every worker through a rebalance: offsets change only once a
        completed round shows none of them running anywhere (else a stopping task's last commit could win)."""
        self._require_stopped(name)

        def none_running() -> bool:
            state = self.leader_state
            running = [] if state is None else [t for load in state.running.values() for t in load.tasks]
            return not any(t.connector == name for t in [*self.assignor.last_active.tasks, *running])

        deadline = time.monotonic() + self.cluster.rebalance_timeout_ms / 1000
        while not none_running():
            if time.monotonic() > deadline:
                raise RebalanceNeededException(f"tasks of {name} still run somewhere in the cluster")
            time.sleep(0.05)

    # -- internal requests ------------------------------------------------------------------------
    def _verify(self, signature: InternalRequestSignature | None) -> None:
        if self.cluster.protocol.version >= 2:
            verify(self.kafka_configs.session_key(), signature)

    def put_task_configs(
        self, name: str, configs: list[dict[str, Any]], signature: InternalRequestSignature | None
    ) -> None:
        self._verify(signature)
        self._as_leader("write task configurations")
        self._write_task_configs(name, configs)

    def _write_task_configs(self, name: str, configs: list[dict[str, Any]]) -> None:
        with self._write_lock:
            self._fresh()
            snapshot = self.configs.snapshot()
            self._config(name, snapshot)
            if snapshot.target_state(name) is TargetState.STOPPED:
                return  # a stopped connector has no tasks
            if configs != [dict(c) for c in snapshot.tasks(name)] or name in self.kafka_configs.inconsistent():
                self.configs.put_task_configs(name, configs)

    def fence_zombies(self, name: str, signature: InternalRequestSignature | None) -> None:
        self._verify(signature)
        self._as_leader("perform zombie fencing")
        self._fence(name)

    def fence_before_start(self, connector: str) -> None:
        """An exactly-once source task's preflight: the leader fences its predecessors first (KIP-618)."""
        membership = self.membership
        if membership is not None and membership.is_leader():
            self._fence(connector)
            return
        url = membership.leader_url if membership is not None else None
        if url is None:
            raise ConnectException("no leader known to fence zombie tasks")
        self._client.fence(url, connector)

    def _fence(self, name: str) -> None:
        with self._fence_lock:
            self._fresh()
            snapshot = self.configs.snapshot()
            config = self._config(name, snapshot)
            if self.worker.connector_type(config) != "source":
                raise BadRequestException(f"Connector {name} is not a source connector")
            if not self.kafka_configs.pending_fencing(name):
                return
            previous, count = self.kafka_configs.task_count_record(name), len(snapshot.tasks(name))
            if previous is not None and not (previous == 1 and count == 1):
                for task in range(previous):
                    self._fence_producer(self.cluster.task_transactional_id(name, task))
            with self._write_lock:
                self.kafka_configs.put_task_count_record(name, count)

    def _fence_producer(self, transactional_id: str) -> None:
        """Bump the transactional id's epoch: its former producer can no longer commit."""
        producer = Producer(
            {
                "bootstrap.servers": self.config.bootstrap_servers,
                "transactional.id": transactional_id,
                **self.config.producer,
            }
        )
        producer.init_transactions(30)
        log.info("fenced producers of %s", transactional_id)
