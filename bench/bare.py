"""A bare kafka-python consumer that reads a topic from the beginning and does nothing
else, and a bare producer that sends messages and waits for their acknowledgements: the
client library's own limits on this machine, from which the pipeline's floor is made
(issue 15: consume, produce, consume again; bench/stats.py: floor_rate).

This is the one module outside shared/kafka that imports kafka-python, on purpose: it
measures the library itself, not our adapter. Fetch sizes, acks, batching and the
partitioner are the ones the adapter uses (shared/kafka/client.py), so the comparison is
like for like. Each prints {"messages": …, "seconds": …}, the seconds from creating the
client to the last message read or acknowledged (Python's start-up and loading the
messages to send not included).

    python -m bench.bare --bootstrap 127.0.0.1:9092 --topic t.progress.v1 --count 100000
    python -m bench.bare --bootstrap 127.0.0.1:9092 --topic t.floor --count 100000 \\
        --produce-from data/bench/cache/events-….bin
"""

from __future__ import annotations

import argparse
import json
import time

from pathlib import Path

from kafka import KafkaConsumer, KafkaProducer, TopicPartition

from shared.config import KafkaCredentials
from shared.kafka.client import KeyHashCache, security_config

from bench.events import load


def drain(bootstrap: str, topic: str, count: int, timeout_s: float = 600.0) -> dict[str, float]:
    """Read ``count`` messages of ``topic`` from the beginning; how many and how long."""
    started = time.perf_counter()
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False,
                             **security_config(KafkaCredentials.from_env()),
                             max_partition_fetch_bytes=1024 * 1024, fetch_max_bytes=8 * 1024 * 1024)
    try:
        parts = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or ())]
        consumer.assign(parts)
        consumer.seek_to_beginning(*parts)
        seen = 0
        while seen < count:
            if time.perf_counter() - started > timeout_s:
                raise TimeoutError(f"read {seen} of {count} messages of {topic} in {timeout_s:.0f} s")
            for batch in consumer.poll(timeout_ms=200, max_records=5000).values():
                seen += len(batch)
    finally:
        consumer.close()
    return dict(messages=seen, seconds=time.perf_counter() - started)


def produce(bootstrap: str, topic: str, messages: list[tuple[str | None, bytes]]) -> dict[str, float]:
    """Send ``messages`` to ``topic`` and wait until the broker acknowledged every one."""
    started = time.perf_counter()
    producer = KafkaProducer(bootstrap_servers=bootstrap, **security_config(KafkaCredentials.from_env()),
                             acks="all", linger_ms=5, batch_size=256 * 1024, max_request_size=4 * 1024 * 1024,
                             partitioner=KeyHashCache())
    try:
        for key, value in messages:
            producer.send(topic, key=key.encode() if key is not None else None, value=value)
        producer.flush()
    finally:
        producer.close()
    return dict(messages=len(messages), seconds=time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bootstrap", required=True)
    parser.add_argument("--topic", required=True)
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--produce-from", type=Path, help="Send the first COUNT messages of this bench/events cache "
                                                          "file to TOPIC instead of reading TOPIC.")
    args = parser.parse_args()
    if args.produce_from:
        messages = load(args.produce_from, limit=args.count).messages
        if len(messages) < args.count:
            raise SystemExit(f"{args.produce_from} holds {len(messages):,} messages, not {args.count:,}")
        print(json.dumps(produce(args.bootstrap, args.topic, messages)))
    else:
        print(json.dumps(drain(args.bootstrap, args.topic, args.count)))


if __name__ == "__main__":
    main()
