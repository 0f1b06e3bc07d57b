"""The ports in shared/ports.py hold for what is plugged into them: the adapters over
kafka-python and SQLAlchemy and the unit tests' fakes have every member of their protocol
with a signature that takes every call the protocol allows, and the workers use nothing
of the broker (nor the ingest worker of the ledger store or the key registry) that their
ports leave out.

A structural check by inspection (no type checker runs in the test layers): the member
names, the parameters' names, order and defaults; not the annotations."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import pytest

from shared import ports
from shared.db.keys import KeyStore
from shared.db.ledger import LedgerStore
from shared.db.tree import TreeStore
from shared.kafka import client
from tests.fakes import FakeBroker, FakeConsumer, FakeProducer, StaticKeys, sqlite_ledger

ROOT = Path(__file__).resolve().parents[2]
P = inspect.Parameter


def protocol_members(proto: type) -> tuple[list[str], list[str]]:
    """The methods and the data attributes a protocol declares (its own, not object's)."""
    methods = [n for n, v in vars(proto).items() if inspect.isfunction(v) and not n.startswith("_")]
    return methods, [n for n in getattr(proto, "__annotations__", {}) if not n.startswith("_")]


def call_mismatches(impl, wanted) -> list[str]:
    """How ``impl``'s signature fails to take a call that ``wanted``'s allows."""
    have = list(inspect.signature(impl).parameters.values())[1:]
    want = list(inspect.signature(wanted).parameters.values())[1:]
    by_name = {p.name: p for p in have}
    var_kw = any(p.kind is P.VAR_KEYWORD for p in have)
    problems = []
    positional = [p for p in have if p.kind in (P.POSITIONAL_ONLY, P.POSITIONAL_OR_KEYWORD)]
    for i, w in enumerate(x for x in want if x.kind in (P.POSITIONAL_ONLY, P.POSITIONAL_OR_KEYWORD)):
        if i >= len(positional) or positional[i].name != w.name:
            problems.append(f"positional parameter {i + 1} is not {w.name!r}")
    for w in want:
        if w.kind is P.VAR_KEYWORD and not var_kw:
            problems.append("takes no **keywords")
        if w.kind in (P.VAR_POSITIONAL, P.VAR_KEYWORD):
            continue
        h = by_name.get(w.name)
        if h is None and not var_kw:
            problems.append(f"has no parameter {w.name!r}")
        elif h is not None and w.default is not P.empty and h.default is P.empty:
            problems.append(f"requires {w.name!r}, which callers may leave out")
    for h in have:
        if h.name not in {w.name for w in want} and h.default is P.empty \
                and h.kind not in (P.VAR_POSITIONAL, P.VAR_KEYWORD):
            problems.append(f"requires {h.name!r}, which the port does not pass")
    return problems


def mismatches(impl: type | object, proto: type) -> list[str]:
    """Every way ``impl`` (a class, or an instance for attributes set in __init__) falls
    short of ``proto``."""
    methods, attributes = protocol_members(proto)
    out = []
    for name in methods:
        member = getattr(impl, name, None)
        if not callable(member):
            out.append(f"{name}: missing")
            continue
        if not isinstance(impl, type):
            member = getattr(type(impl), name)
        out += [f"{name}: {p}" for p in call_mismatches(member, getattr(proto, name))]
    if not isinstance(impl, type):
        out += [f"{name}: missing" for name in attributes if not hasattr(impl, name)]
    return out


@pytest.mark.parametrize("impl, proto", [
    (client.Broker, ports.Broker), (client.Consumer, ports.Consumer), (client.Producer, ports.Producer),
    (FakeBroker, ports.Broker), (FakeConsumer, ports.Consumer), (FakeProducer, ports.Producer),
    (KeyStore, ports.KeyDirectory), (StaticKeys, ports.KeyDirectory), (LedgerStore, ports.IngestLedger),
    (TreeStore, ports.TreeProgress),
], ids=lambda x: f"{x.__module__.rsplit('.', 1)[-1]}.{x.__name__}")
def test_the_adapters_and_the_fakes_satisfy_their_ports(impl, proto):
    assert mismatches(impl, proto) == []


def test_the_ledger_stores_attributes_satisfy_theirs(tmp_path):
    store = sqlite_ledger(tmp_path)
    try:
        assert mismatches(store, ports.IngestLedger) == []
        assert mismatches(store.tree, ports.TreeProgress) == []
    finally:
        store.engine.dispose()


def test_the_check_names_what_falls_short():
    class Short:
        def send(self, topic, value, key=None):
            """Key and value swapped."""

        def flush(self, timeout_s):
            """No default."""

    assert mismatches(Short, ports.Producer) == [
        "send: positional parameter 2 is not 'key'", "send: positional parameter 3 is not 'value'",
        "flush: requires 'timeout_s', which callers may leave out", "close: missing"]


def _uses(path: Path, owner: str) -> set[str]:
    """The attributes the module reads of ``self.<owner>`` (``self.ledger.tree`` gives ``tree``)."""
    tree = ast.parse(path.read_text())
    return {node.attr for node in ast.walk(tree)
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Attribute)
            and node.value.attr == owner and isinstance(node.value.value, ast.Name) and node.value.value.id == "self"}


@pytest.mark.parametrize("service, owner, proto", [
    ("ingest", "broker", ports.Broker), ("ingest", "_consumer", ports.Consumer),
    ("ingest", "_producer", ports.Producer), ("ingest", "ledger", ports.IngestLedger),
    ("ingest", "key_store", ports.KeyDirectory),
    # The scorer's broker side, so that the same fake broker serves its tests.
    ("scorer", "broker", ports.Broker), ("scorer", "_consumer", ports.Consumer),
    ("scorer", "_producer", ports.Producer),
])
def test_the_workers_use_only_what_their_ports_declare(service, owner, proto):
    used = _uses(ROOT / "services" / service / "worker.py", owner)
    methods, attributes = protocol_members(proto)
    assert used, f"the {service} worker no longer uses self.{owner}: the test is out of date"
    assert used <= set(methods) | set(attributes), f"add to shared.ports.{proto.__name__}"
