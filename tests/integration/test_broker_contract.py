"""The real broker keeps the contract the unit tests' fake broker is held to
(tests/broker_contract.py): the fake's answers are Kafka's."""

from __future__ import annotations

import pytest

from shared.kafka import Broker
from tests import broker_contract


@pytest.mark.parametrize("check", broker_contract.CHECKS, ids=lambda c: c.__name__)
def test_kafka_keeps_the_broker_contract(check, kafka_bootstrap, kafka_credentials, topic_prefix):
    check(Broker(kafka_bootstrap, credentials=kafka_credentials), topic_prefix)
