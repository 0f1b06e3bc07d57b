"""Thin adapters over kafka-python: topics, a producer and a consumer that seeks to
offsets the caller keeps in its own database (effectively-once processing)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from kafka import ConsumerRebalanceListener, KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import (
    ACL, ACLFilter, ACLOperation, ACLPermissionType, ACLResourcePatternType, KafkaAdminClient, NewTopic,
    ResourcePattern, ResourcePatternFilter, ResourceType, ScramMechanism, UserScramCredentialUpsertion,
)
from kafka import errors as kafka_errors
from kafka.errors import AuthorizationError, KafkaError, KafkaTimeoutError, SaslAuthenticationFailedError, TopicAlreadyExistsError
from kafka.partitioner.default import DefaultPartitioner, murmur2
from kafka.structs import OffsetAndMetadata

from shared.config import KafkaCredentials
from shared.kafka.errors import BrokerUnavailable, NotAuthorized, PublishFailed

Partition = tuple[str, int]
log = logging.getLogger("tiendo.kafka")
COORDINATOR_LOST_S = 20.0


@dataclass(frozen=True, slots=True)
class Record:
    """One consumed message, free of kafka-python types."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    timestamp_ms: int


@dataclass(frozen=True, slots=True, order=True)
class Grant:
    """One ACL that allows `principal` (``User:<name>``) `operation` (READ, WRITE,
    DESCRIBE…) on a ``topic`` or ``group`` named `name`, or every one whose name starts
    with it when `prefixed`."""

    principal: str
    operation: str
    resource: str
    name: str
    prefixed: bool = False

    def describe(self) -> str:
        """One line: ``User:agency WRITE topic tiendo.progress.v1``."""
        return f"{self.principal} {self.operation} {self.resource} {self.name}{'*' if self.prefixed else ''}"


_RESOURCES = {"topic": ResourceType.TOPIC, "group": ResourceType.GROUP, "cluster": ResourceType.CLUSTER}


def _acl(g: Grant) -> ACL:
    pattern = ACLResourcePatternType.PREFIXED if g.prefixed else ACLResourcePatternType.LITERAL
    return ACL(principal=g.principal, host="*", operation=ACLOperation[g.operation],
               permission_type=ACLPermissionType.ALLOW,
               resource_pattern=ResourcePattern(_RESOURCES[g.resource], g.name, pattern))


def _grant(acl: ACL) -> Grant | None:
    resource = {v: k for k, v in _RESOURCES.items()}.get(acl.resource_pattern.resource_type)
    if resource is None or acl.permission_type != ACLPermissionType.ALLOW:
        return None
    return Grant(acl.principal, acl.operation.name, resource, acl.resource_pattern.resource_name,
                 acl.resource_pattern.pattern_type == ACLResourcePatternType.PREFIXED)


def _unavailable(bootstrap: str, exc: Exception) -> BrokerUnavailable:
    if isinstance(exc, (AuthorizationError, SaslAuthenticationFailedError)):
        return NotAuthorized(f"Kafka at {bootstrap} refused the request: {type(exc).__name__}: {exc}")
    return BrokerUnavailable(f"cannot reach Kafka at {bootstrap}: {exc or type(exc).__name__}")


def _unreachable(broker: "Broker", exc: Exception) -> BrokerUnavailable:
    error = _unavailable(broker.bootstrap_servers, exc)
    if type(error) is BrokerUnavailable and not (broker.credentials and broker.credentials.username):
        error.args = (f"{error.args[0]}; no credentials were given, and a SASL listener drops anonymous "
                      "clients (set TIENDO_KAFKA_CREDENTIALS)",)
    return error


def security_config(credentials: KafkaCredentials | None) -> dict:
    """kafka-python's settings for a principal (none for an anonymous PLAINTEXT client)."""
    if credentials is None or credentials.security_protocol == "PLAINTEXT":
        return {}
    config = dict(security_protocol=credentials.security_protocol)
    if credentials.username:
        config.update(sasl_mechanism=credentials.sasl_mechanism, sasl_plain_username=credentials.username,
                      sasl_plain_password=credentials.password)
    return config


class Broker:
    """Factory for producers, consumers and topic administration on one cluster, every
    client authenticated as `credentials` (anonymous PLAINTEXT when None)."""

    def __init__(self, bootstrap_servers: str, client_id: str = "tiendo", bootstrap_timeout_ms: int = 30_000,
                 credentials: KafkaCredentials | None = None) -> None:
        self.bootstrap_servers = bootstrap_servers
        self.client_id = client_id
        self.credentials = credentials
        self._common = dict(bootstrap_servers=bootstrap_servers, client_id=client_id,
                            bootstrap_timeout_ms=bootstrap_timeout_ms, **security_config(credentials))

    @classmethod
    def from_settings(cls, settings, client_id: str = "tiendo") -> "Broker":
        """The broker of a Settings, as the principal its credentials name."""
        return cls(settings.kafka_bootstrap_servers, client_id=client_id,
                   bootstrap_timeout_ms=settings.kafka_timeout_ms, credentials=settings.kafka_credentials)

    def _who(self) -> str:
        return (self.credentials.principal if self.credentials else None) or "an anonymous client"

    def _admin(self) -> KafkaAdminClient:
        try:
            return KafkaAdminClient(**self._common)
        except KafkaError as exc:
            raise _unreachable(self, exc) from exc

    def ensure_topics(self, names: Iterable[str], partitions: int,
                      configs: dict[str, dict[str, str]] | None = None) -> None:
        """Create the topics that do not exist yet (with ``configs[name]``, when given) and
        wait until they have leaders."""
        names = list(names)
        admin = self._admin()
        try:
            existing = set(admin.list_topics())  # one metadata round trip, not one per name
            missing = [n for n in names if n not in existing]
            if missing:
                try:
                    result = admin.create_topics(
                        [NewTopic(n, partitions, 1, topic_configs=(configs or {}).get(n, {})) for n in missing], raise_errors=False
                    )
                except TopicAlreadyExistsError:
                    pass  # another process created it first: exactly what we wanted
                else:
                    refused = [t["name"] for t in result.get("topics", [])
                               if issubclass(kafka_errors.for_code(t["error_code"]), AuthorizationError)]
                    if refused:
                        # A service principal may not create topics (nor see those it has
                        # no ACL for): the admin creates them with `tiendo kafka acl apply`.
                        raise NotAuthorized(
                            f"Kafka at {self.bootstrap_servers} does not let {self._who()} create or see "
                            f"{', '.join(refused)} (an admin runs `tiendo kafka acl apply`)")
            # Also for topics that exist: another process may have just created them, and
            # a consumer that subscribes before they have leaders gets no partitions.
            admin.wait_for_topics(names, timeout_ms=30_000)
        finally:
            admin.close()

    def delete_topics(self, names: Iterable[str]) -> None:
        """Delete those of the topics that exist (a finished benchmark's own, say)."""
        admin = self._admin()
        try:
            present = [n for n in names if n in set(admin.list_topics())]
            if present:
                admin.delete_topics(present)
        finally:
            admin.close()

    def grant(self, grants: Iterable[Grant], timeout_s: float = 30.0) -> None:
        """Create these ACLs (creating one that exists changes nothing) and wait until the
        broker enforces them (the controller commits them; the broker applies them a moment
        later). Needs a principal allowed to alter ACLs (the super user)."""
        grants = sorted(set(grants))
        admin = self._admin()
        try:
            result = admin.create_acls([_acl(g) for g in grants])
        except KafkaError as exc:
            raise _unreachable(self, exc) from exc
        finally:
            admin.close()
        if result["failed"]:
            raise _unavailable(self.bootstrap_servers, result["failed"][0]())
        deadline = time.monotonic() + timeout_s
        while not set(grants) <= set(self.acls()):
            if time.monotonic() > deadline:
                raise BrokerUnavailable(f"Kafka at {self.bootstrap_servers} did not show the new ACLs "
                                        f"within {timeout_s:.0f} s")
            time.sleep(0.1)

    def acls(self) -> list[Grant]:
        """Every ALLOW ACL on topics, groups and the cluster."""
        admin = self._admin()
        try:
            found, _ = admin.describe_acls(ACLFilter(
                principal=None, host="*", operation=ACLOperation.ANY, permission_type=ACLPermissionType.ANY,
                resource_pattern=ResourcePatternFilter(ResourceType.ANY, None, ACLResourcePatternType.ANY)))
        except KafkaError as exc:
            raise _unreachable(self, exc) from exc
        finally:
            admin.close()
        return sorted(g for g in map(_grant, found) if g is not None)

    def set_user_password(self, name: str, password: str) -> None:
        """Create a SCRAM-SHA-512 principal, or give an existing one a new password."""
        admin = self._admin()
        try:
            result = admin.alter_user_scram_credentials(
                [UserScramCredentialUpsertion(name, ScramMechanism.SCRAM_SHA_512, password, iterations=8192)])
        except KafkaError as exc:
            raise _unreachable(self, exc) from exc
        finally:
            admin.close()
        error = (result or {}).get(name)
        if error:
            raise _unavailable(self.bootstrap_servers, error if isinstance(error, Exception) else RuntimeError(error))

    def end_offsets(self, topic: str) -> dict[int, int]:
        """The next offset to be written, per partition of a topic."""
        consumer = self._bare_consumer()
        try:
            parts = consumer.partitions_for_topic(topic) or set()
            tps = [TopicPartition(topic, p) for p in sorted(parts)]
            return {tp.partition: off for tp, off in consumer.end_offsets(tps).items()}
        finally:
            consumer.close()

    def producer(self, **overrides) -> "Producer":
        """A producer that acknowledges only when every in-sync replica has the message."""
        config = dict(
            self._common,
            acks="all",
            linger_ms=5,
            batch_size=256 * 1024,
            max_request_size=4 * 1024 * 1024,
            partitioner=KeyHashCache(),
        )
        config.update(overrides)
        try:
            return Producer(KafkaProducer(**config), self.bootstrap_servers)
        except KafkaError as exc:
            raise _unreachable(self, exc) from exc

    def consumer(
        self,
        group: str,
        topics: list[str],
        on_assigned: Callable[[list[Partition]], dict[Partition, int | None]],
        on_revoked: Callable[[list[Partition]], None] = lambda _: None,
        **overrides,
    ) -> "Consumer":
        """A group member whose positions come from `on_assigned` (the caller's store)."""
        config = dict(
            self._common,
            group_id=group,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            # Up to 8 MB fetched at a time is well above a 5,000-message batch; more only
            # held tens of megabytes of parsed records in each worker (`make bench`).
            max_partition_fetch_bytes=1024 * 1024,
            fetch_max_bytes=8 * 1024 * 1024,
            # A killed member's partitions move after 6 s (the broker's minimum), not 45.
            session_timeout_ms=6000,
            heartbeat_interval_ms=2000,
            # Notice new partitions (a topic created by another process) within seconds.
            metadata_max_age_ms=10_000,
        )
        config.update(overrides)
        def connect() -> KafkaConsumer:
            try:
                return KafkaConsumer(**config)
            except KafkaError as exc:
                raise _unreachable(self, exc) from exc

        return Consumer(connect, topics, on_assigned, on_revoked)

    def read_all(self, topic: str, timeout_s: float = 30.0) -> list[Record]:
        """Every message currently in a topic (for checks and tests, not hot paths)."""
        consumer = self._bare_consumer()
        try:
            parts = consumer.partitions_for_topic(topic) or set()
            tps = [TopicPartition(topic, p) for p in sorted(parts)]
            consumer.assign(tps)
            consumer.seek_to_beginning(*tps)
            ends = consumer.end_offsets(tps)
            records: list[Record] = []
            deadline = time.monotonic() + timeout_s
            while any(consumer.position(tp) < ends[tp] for tp in tps):
                if time.monotonic() > deadline:
                    raise BrokerUnavailable(f"timed out reading {topic}")
                for batch in consumer.poll(timeout_ms=500).values():
                    records.extend(_record(m) for m in batch)
            return records
        except KafkaError as exc:
            raise _unreachable(self, exc) from exc
        finally:
            consumer.close()

    def _bare_consumer(self) -> KafkaConsumer:
        try:
            return KafkaConsumer(**self._common, group_id=None, enable_auto_commit=False)
        except KafkaError as exc:
            raise _unreachable(self, exc) from exc


class KeyHashCache(DefaultPartitioner):
    """The default partitioner (murmur2 of the key, as the Java client does, so every
    client puts an agency on the same partition), with each key's hash computed once:
    the pure-Python murmur2 was a tenth of a send, and the keys are a few hundred
    agency ids."""

    LIMIT = 100_000  # dead letters keep whatever key a bad message had: bound the cache

    def __init__(self) -> None:
        self._hashes: dict[bytes, int] = {}

    def partition(self, topic, key, serialized_key, value, serialized_value, cluster):
        parts = cluster.partitions_for_topic(topic)
        if serialized_key is None or not parts:
            return super().partition(topic, key, serialized_key, value, serialized_value, cluster)
        h = self._hashes.get(serialized_key)
        if h is None:
            if len(self._hashes) >= self.LIMIT:
                self._hashes.clear()
            h = self._hashes[serialized_key] = murmur2(serialized_key) & 0x7FFFFFFF
        return sorted(parts)[h % len(parts)]


def _record(m) -> Record:
    return Record(m.topic, m.partition, m.offset, m.key, m.value, m.timestamp)


class Producer:
    """Sends keyed messages; `flush` returns only when the broker has them all, and
    raises when any of them was refused or could not be delivered."""

    def __init__(self, kp: KafkaProducer, bootstrap: str) -> None:
        self._kp = kp
        self._bootstrap = bootstrap
        self._failures: list[tuple[str, Exception]] = []

    def _failed(self, topic: str, exc: Exception) -> None:
        self._failures.append((topic, exc))

    def send(self, topic: str, key: str | bytes | None, value: bytes) -> None:
        """Queue one message; failures surface at `flush` (or here, for a topic this
        principal may not write to)."""
        if isinstance(key, str):
            key = key.encode("utf-8")
        try:
            future = self._kp.send(topic, value=value, key=key)
        except KafkaError as exc:
            raise self._error(topic, exc) from exc
        future.add_errback(lambda exc: self._failed(topic, exc))

    def _error(self, topic: str, exc: Exception) -> BrokerUnavailable:
        if isinstance(exc, (AuthorizationError, SaslAuthenticationFailedError)):
            return NotAuthorized(f"Kafka at {self._bootstrap} refused to take messages for {topic}: "
                                 f"{type(exc).__name__}: {exc}")
        if isinstance(exc, KafkaTimeoutError):
            return _unavailable(self._bootstrap, exc)
        return PublishFailed(f"Kafka at {self._bootstrap} did not take a message for {topic}: "
                             f"{type(exc).__name__}: {exc}")

    def flush(self, timeout_s: float = 60.0) -> None:
        """Block until every queued message is acknowledged; raise if one was not."""
        try:
            self._kp.flush(timeout=timeout_s)
        except KafkaError as exc:
            raise _unavailable(self._bootstrap, exc) from exc
        if self._failures:
            (topic, first), count = self._failures[0], len(self._failures)
            self._failures = []
            error = self._error(topic, first)
            if count > 1:
                error.args = (f"{error.args[0]} (and {count - 1} more)",)
            raise error from first

    def close(self) -> None:
        """Flush and release the connection."""
        self._kp.close()


class _Listener(ConsumerRebalanceListener):
    def __init__(self, consumer: "Consumer") -> None:
        self._consumer = consumer

    def on_partitions_revoked(self, revoked):
        self._consumer._revoked([(tp.topic, tp.partition) for tp in revoked])

    def on_partitions_assigned(self, assigned):
        self._consumer._assigned([(tp.topic, tp.partition) for tp in assigned])


class Consumer:
    """A consumer-group member that never commits on its own: the caller stores offsets
    with its writes and this class seeks to them whenever partitions are assigned."""

    def __init__(self, connect: Callable[[], KafkaConsumer], topics, on_assigned, on_revoked) -> None:
        self._connect = connect
        self._topics = topics
        self._on_assigned = on_assigned
        self._on_revoked = on_revoked
        self._kc = self._subscribed()
        self._coordinator_seen = time.monotonic()

    def _subscribed(self) -> KafkaConsumer:
        kc = self._connect()
        kc.subscribe(self._topics, listener=_Listener(self))
        return kc

    def _watch_coordinator(self) -> None:
        """Reconnect when the group coordinator has been unknown for COORDINATOR_LOST_S.

        kafka-python 3.0 can lose the coordinator under heavy load and never find it
        again (the broker then shows the group Empty while this member waits forever);
        a fresh client rejoins, and the caller's stored offsets make that safe. The
        check reads a private attribute, which is why it lives in this adapter only."""
        now = time.monotonic()
        if not self._kc._coordinator.coordinator_unknown():
            self._coordinator_seen = now
        elif now - self._coordinator_seen > COORDINATOR_LOST_S:
            log.warning("group coordinator unknown for %.0f s: reconnecting", now - self._coordinator_seen)
            try:
                fresh = self._subscribed()
            except BrokerUnavailable as exc:
                # The broker itself is away (stopped, restarting): the worker must ride
                # that out, not exit. Keep the client we have; try again later.
                log.warning("%s; trying again in %.0f s", exc, COORDINATOR_LOST_S)
            else:
                self._kc.close(autocommit=False, timeout_ms=5000)
                self._kc = fresh
            self._coordinator_seen = now

    def _rescue_dropped_join(self) -> None:
        """Rejoin when kafka-python has dropped a join in flight.

        kafka-python 3.0 runs JoinGroup/SyncGroup as a task that poll() awaits for at
        most its timeout, and re-awaits on the next poll only while need_rejoin() holds.
        When the rejoin was asked for by a metadata change (a topic's partitions became
        known after the first join), the leader's own assignment inside that task makes
        need_rejoin() false before SyncGroup has answered: a poll whose timeout ends in
        between never comes back for the result. The member then heartbeats as a stable
        member of the group, owning partitions it never applied, and fetches nothing
        for ever (seen in `make chaos` under load: a scorer that applied nothing for
        minutes). A join task still held while no rejoin is pending is that orphan;
        asking for a rejoin makes the next poll await it (or join afresh) and apply the
        assignment. Reads private attributes, which is why it lives in this adapter."""
        coordinator = self._kc._coordinator
        if getattr(coordinator, "_join_task", None) is not None and not coordinator.need_rejoin():
            log.warning("kafka-python dropped a group join in flight: rejoining")
            coordinator.request_rejoin()

    def _assigned(self, parts: list[Partition]) -> None:
        for (topic, partition), offset in self._on_assigned(parts).items():
            tp = TopicPartition(topic, partition)
            if offset is None:
                self._kc.seek_to_beginning(tp)
            else:
                self._kc.seek(tp, offset)

    def _revoked(self, parts: list[Partition]) -> None:
        self._on_revoked(parts)

    def poll(self, max_records: int = 5000, timeout_ms: int = 200) -> list[Record]:
        """Up to `max_records` messages from the assigned partitions, in offset order."""
        try:
            batches = self._kc.poll(timeout_ms=timeout_ms, max_records=max_records)
        except KafkaError as exc:
            if not exc.retriable:
                raise
            # kafka-python 3.0 lets a connection reset during a metadata refresh escape
            # poll (seen with the broker restarting in `make chaos`: the workers exited).
            # The broker is away for a moment, which a worker rides out: nothing was
            # fetched, and the poll's timeout is waited as a poll would have.
            log.warning("broker unreachable while polling (%s); polling again", exc)
            time.sleep(timeout_ms / 1000)
            batches = {}
        self._rescue_dropped_join()
        if not batches:
            self._watch_coordinator()
        return [_record(m) for batch in batches.values() for m in batch]

    def seek(self, topic: str, partition: int, offset: int) -> None:
        """Move the position of one partition (after a failed transaction)."""
        self._kc.seek(TopicPartition(topic, partition), offset)

    def assignment(self) -> list[Partition]:
        """The partitions this member owns now."""
        return sorted((tp.topic, tp.partition) for tp in self._kc.assignment())

    def end_offsets(self, topic: str) -> dict[int, int]:
        """The next offset to be written on every partition of `topic`."""
        tps = [TopicPartition(topic, p) for p in sorted(self._kc.partitions_for_topic(topic) or ())]
        return {tp.partition: off for tp, off in self._kc.end_offsets(tps).items()}

    def lag(self) -> int:
        """Messages left to read on the assigned partitions."""
        tps = list(self._kc.assignment())
        if not tps:
            return 0
        ends = self._kc.end_offsets(tps)
        return sum(max(0, ends[tp] - self._kc.position(tp)) for tp in tps)

    def mirror_commit(self, offsets: dict[Partition, int]) -> None:
        """Copy stored offsets to Kafka so broker tools show the group's progress.
        The database stays the source of truth; a lost mirror commit is harmless."""
        try:
            self._kc.commit_async(
                {TopicPartition(t, p): OffsetAndMetadata(o, "", -1) for (t, p), o in offsets.items()}
            )
        except KafkaError:
            pass  # the database holds the real offsets; Kafka's copy is informative only

    def close(self) -> None:
        """Leave the group promptly so partitions move to the other members."""
        self._kc.close(autocommit=False)

