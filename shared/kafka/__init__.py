"""The one place that speaks to Apache Kafka (the only importer of kafka-python)."""

from shared.kafka.client import (
    Broker, BrokerUnavailable, Consumer, Grant, NotAuthorized, Producer, PublishFailed, Record,
)

__all__ = ["Broker", "BrokerUnavailable", "Consumer", "Grant", "NotAuthorized", "Producer", "PublishFailed", "Record"]
