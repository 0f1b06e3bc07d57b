"""The one place that speaks to Apache Kafka (the only importer of kafka-python).

The adapters are loaded on first use (PEP 562): kafka-python takes a few tenths of a
second to import, which a command that never talks to the broker should not pay."""

from importlib import import_module

from shared.kafka.errors import BrokerUnavailable, NotAuthorized, PublishFailed

__all__ = ["Broker", "BrokerUnavailable", "Consumer", "Grant", "NotAuthorized", "Producer", "PublishFailed", "Record"]
_ADAPTERS = {"Broker", "Consumer", "Grant", "Producer", "Record"}


def __getattr__(name: str):
    if name in _ADAPTERS:
        return getattr(import_module("shared.kafka.client"), name)
    raise AttributeError(f"module 'shared.kafka' has no attribute {name!r}")
