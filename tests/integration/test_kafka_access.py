"""Authentication and ACLs on the real broker (SASL/SCRAM, StandardAuthorizer): an agency
principal writes progress events and nothing else, only ingest writes the ledger and
dead-letter topics, anonymous clients are refused; and, whatever the ACLs, the scorer
never applies a ledger message that the ledger table does not hold."""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import replace
from datetime import date

import pytest

from shared.config import Topics
from shared.kafka import Broker, BrokerUnavailable, NotAuthorized

from services.ingest.worker import ledger_message
from services.kafka_admin.acls import pipeline_grants
from services.scorer.worker import ScorerWorker
from tests.conftest import kafka_principal, kcat_properties
from tests.factories import event_dict
from tests.integration.scorer_support import PROJECTOR, LedgerFeed


@pytest.fixture
def acl_pipeline(kafka_bootstrap, kafka_credentials, topic_prefix) -> Topics:
    """This test's topics, created and granted by the admin as `tiendo kafka acl apply` does."""
    assert kafka_credentials.username == "admin", "the tests run as the broker's super user"
    admin = Broker(kafka_bootstrap, credentials=kafka_credentials)
    topics = Topics(topic_prefix)
    admin.ensure_topics(topics.all(), 3)
    admin.grant(pipeline_grants(topic_prefix))
    return topics


def _send(broker: Broker, topic: str, value: bytes) -> None:
    producer = broker.producer()
    try:
        producer.send(topic, "ha-noi", value)
        producer.flush(timeout_s=30)
    finally:
        producer.close()


def test_an_agency_principal_writes_progress_events_but_not_the_ledger(kafka_bootstrap, kafka_credentials,
                                                                       acl_pipeline):
    agency = Broker(kafka_bootstrap, credentials=kafka_principal("agency"))
    with pytest.raises(NotAuthorized, match="TopicAuthorizationFailed"):
        _send(agency, acl_pipeline.ledger, b'{"seq":1}')
    with pytest.raises(NotAuthorized, match="TopicAuthorizationFailed"):
        _send(agency, acl_pipeline.dead_letters, b"{}")
    _send(agency, acl_pipeline.progress, b'{"from":"agency"}')  # idempotent producer: WRITE on the topic suffices

    admin = Broker(kafka_bootstrap, credentials=kafka_credentials)
    assert [r.value for r in admin.read_all(acl_pipeline.progress)] == [b'{"from":"agency"}']
    assert admin.read_all(acl_pipeline.ledger) == [] and admin.read_all(acl_pipeline.dead_letters) == []


def test_only_ingest_writes_the_ledger_and_dead_letter_topics(kafka_bootstrap, acl_pipeline):
    for principal in ("agency", "scorer", "report", "ingest"):
        broker = Broker(kafka_bootstrap, credentials=kafka_principal(principal))
        for topic in (acl_pipeline.ledger, acl_pipeline.dead_letters):
            if principal == "ingest":
                _send(broker, topic, b"{}")
            else:
                with pytest.raises(NotAuthorized):
                    _send(broker, topic, b"{}")


def test_a_worker_reads_only_its_input_and_with_its_own_consumer_group(kafka_bootstrap, acl_pipeline,
                                                                         topic_prefix):
    _send(Broker(kafka_bootstrap, credentials=kafka_principal("agency")), acl_pipeline.progress, b"{}")
    _send(Broker(kafka_bootstrap, credentials=kafka_principal("ingest")), acl_pipeline.ledger, b"{}")
    scorer = Broker(kafka_bootstrap, credentials=kafka_principal("scorer"))
    assert [r.value for r in scorer.read_all(acl_pipeline.ledger)] == [b"{}"]
    # Another service's input, or another service's group: refused.
    with pytest.raises(NotAuthorized, match="TopicAuthorizationFailed"):
        scorer.read_all(acl_pipeline.progress, timeout_s=10)
    consumer = scorer.consumer(f"{topic_prefix}.ingest", [acl_pipeline.ledger], lambda parts: {p: None for p in parts})
    try:
        with pytest.raises(Exception, match="GroupAuthorizationFailed"):
            for _ in range(50):
                consumer.poll(timeout_ms=200)
    finally:
        consumer.close()


def test_an_anonymous_client_is_refused(kafka_bootstrap, topic_prefix):
    anonymous = Broker(kafka_bootstrap, bootstrap_timeout_ms=3000)
    with pytest.raises(BrokerUnavailable, match="no credentials were given"):
        anonymous.ensure_topics([f"{topic_prefix}.progress.v1"], 1)


def test_a_wrong_password_is_refused(kafka_bootstrap, topic_prefix):
    agency = kafka_principal("agency")
    impostor = Broker(kafka_bootstrap, bootstrap_timeout_ms=3000, credentials=agency.model_copy(update=dict(password="guessed")))
    with pytest.raises(BrokerUnavailable):
        impostor.ensure_topics([f"{topic_prefix}.progress.v1"], 1)


def test_kcat_authenticates_with_the_principals_properties_file(kafka_bootstrap, acl_pipeline):
    assert shutil.which("kcat"), "kcat (Debian package) is needed: apt-get install kcat"
    props = kcat_properties("agency")
    listed = subprocess.run(["kcat", "-F", str(props), "-b", kafka_bootstrap, "-L", "-J", "-t", acl_pipeline.progress],
                            capture_output=True, text=True, timeout=60)
    assert listed.returncode == 0, listed.stderr
    [topic] = json.loads(listed.stdout)["topics"]
    assert (topic["topic"], len(topic["partitions"])) == (acl_pipeline.progress, 3)
    refused = subprocess.run(["kcat", "-b", kafka_bootstrap, "-L", "-m", "3", "-t", acl_pipeline.progress],
                             capture_output=True, text=True, timeout=60)
    assert refused.returncode != 0


def _ratio(agency, day, num, **kw):
    return event_dict(agency, "online_dossier_rate", observed_at=day,
                      figure={"type": "ratio", "numerator": num, "denominator": 100}, **kw)


def test_a_forged_ledger_message_written_by_the_admin_is_not_applied(settings, kafka_bootstrap):
    assert settings.kafka_credentials.username == "admin", "the forger is the broker's super user"
    admin = Broker.from_settings(settings)
    admin.ensure_topics(settings.topics.all(), settings.partitions, settings.topics.configs())
    admin.grant(pipeline_grants(settings.topic_prefix))
    feed = LedgerFeed(settings)
    [genuine] = feed.feed([_ratio("ha-noi", "2025-03-15", 60)])

    # The admin (who may write anywhere) forges: the genuine entry with a better figure
    # (same seq, same hash), the same entry with a recomputed-looking hash, and an entry
    # for another agency that the ledger does not hold.
    better = json.loads(genuine.payload) | {"figure": {"type": "ratio", "numerator": 100, "denominator": 100}}
    forged = [
        ledger_message(replace(genuine, payload=json.dumps(better, ensure_ascii=False, separators=(",", ":")))),
        ledger_message(replace(genuine, hash="f" * 64)),
        ledger_message(replace(genuine, seq=genuine.seq + 1, agency_id="hue", payload=json.dumps(
            _ratio("hue", "2025-03-15", 99), ensure_ascii=False, separators=(",", ":")))),
    ]
    producer = admin.producer()
    for value in forged:
        producer.send(settings.topics.ledger, "ha-noi", value)
    producer.flush()
    producer.close()

    # The scorer runs as its own principal, with only the ACLs it was granted.
    scorer_settings = settings.model_copy(update=dict(kafka_credentials=kafka_principal("scorer")))
    worker = ScorerWorker(scorer_settings, Broker.from_settings(scorer_settings), feed.store, PROJECTOR,
                          today=lambda: date(2025, 3, 18))
    stats = worker.run(until_idle=True)
    assert (stats.consumed, stats.applied, stats.rejected) == (4, 1, 3)
    assert feed.cell("ha-noi", "online_dossier_rate")["value"] == 0.6
    assert feed.store.cells("hue", "online_dossier_rate") == [] or \
        feed.store.cells("hue", "online_dossier_rate")[0]["source_seq"] is None
    assert feed.store.observation_count() == 1
    feed.dispose()
