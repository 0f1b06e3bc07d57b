"""The one place that speaks to Apache Kafka (the only importer of kafka-python)."""

from shared.kafka.client import Broker, BrokerUnavailable, Consumer, Producer, Record

__all__ = ["Broker", "BrokerUnavailable", "Consumer", "Producer", "Record"]
