"""A bare kafka-python consumer that reads a topic from the beginning and does nothing
else: the client library's own consume limit on this machine, the yardstick for the
pipeline's rate (e2e_ratio).

This is the one module outside shared/kafka that imports kafka-python, on purpose: it
measures the library itself, not our adapter. Fetch sizes are the ones the adapter's
consumers use (shared/kafka/client.py), so the comparison is like for like.

    python -m bench.bare --bootstrap 127.0.0.1:9092 --topic t.progress.v1 --count 100000
"""

from __future__ import annotations

import argparse
import json
import time

from kafka import KafkaConsumer, TopicPartition

from shared.config import KafkaCredentials
from shared.kafka.client import security_config


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bootstrap", required=True)
    parser.add_argument("--topic", required=True)
    parser.add_argument("--count", type=int, required=True)
    args = parser.parse_args()
    print(json.dumps(drain(args.bootstrap, args.topic, args.count)))


if __name__ == "__main__":
    main()
