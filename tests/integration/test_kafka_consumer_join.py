"""The consumer adapter against the real broker: a member whose polls are shorter than
its group join still gets its partitions (kafka-python 3.0 drops the join's result when
a poll's timeout ends between the leader's assignment and SyncGroup's answer, and the
member then fetches nothing for ever: seen in `make chaos` under load)."""

from __future__ import annotations

import time
import uuid

from kafka import KafkaProducer

from shared.kafka import Broker
from shared.kafka.client import security_config


def test_a_join_longer_than_a_poll_is_not_dropped(kafka_bootstrap, kafka_credentials):
    broker = Broker(kafka_bootstrap, credentials=kafka_credentials)
    topic = f"join{uuid.uuid4().hex[:10]}"
    # Subscribed before the topic exists: its partitions become known after the first
    # join, which makes the leader join again (the rejoin kafka-python could drop).
    consumer = broker.consumer(topic, [topic], lambda parts: {p: None for p in parts})
    try:
        for _ in range(20):
            consumer.poll(timeout_ms=1)
        broker.ensure_topics([topic], 6)
        producer = KafkaProducer(bootstrap_servers=kafka_bootstrap, **security_config(kafka_credentials))
        for i in range(600):
            producer.send(topic, key=str(i).encode(), value=b"x")
        producer.flush()
        producer.close()
        got, deadline = 0, time.monotonic() + 180  # a safety bound: joins are slow on a loaded machine
        while got < 600 and time.monotonic() < deadline:
            got += len(consumer.poll(timeout_ms=1))  # every poll far shorter than a join
        assert got == 600 and len(consumer.assignment()) == 6
    finally:
        consumer.close()
        broker.delete_topics([topic])
