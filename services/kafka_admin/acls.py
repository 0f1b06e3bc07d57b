"""Who may do what on the broker: the ACLs of one pipeline (one topic prefix). Pure.

Least privilege, per principal (``User:<name>``; the super user ``admin`` needs none):
- an agency system writes progress events and reads receipts and tree heads (without a
  consumer group: it assigns itself partitions), nothing else;
- ingest reads progress events (group ``<prefix>.ingest``) and is the only writer of the
  ledger, dead-letter, receipt and tree-head topics;
- scorer reads the ledger (group ``<prefix>.scorer``) and writes alerts;
- report writes report announcements (it reads the ledger from the database, not Kafka).
The workers also see (DESCRIBE) every topic of their pipeline, as they check at start
that the topics exist. Nobody but the admin creates topics or touches another group."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from shared.config import Topics
from shared.kafka import Grant


@dataclass(frozen=True)
class Principals:
    """The user names the services and the agency systems authenticate as."""

    ingest: str = "ingest"
    scorer: str = "scorer"
    report: str = "report"
    agencies: tuple[str, ...] = ("agency",)


def pipeline_grants(prefix: str, who: Principals = Principals()) -> list[Grant]:
    """Every ACL the pipeline `prefix` needs, and no more."""
    t = Topics(prefix)
    user = "User:{}".format
    everything = f"{prefix}."  # a prefix pattern: the pipeline's topics only
    grants: list[Grant] = []
    for agency in who.agencies:
        grants.append(Grant(user(agency), "WRITE", "topic", t.progress))
        grants.append(Grant(user(agency), "READ", "topic", t.receipts))
        grants.append(Grant(user(agency), "READ", "topic", t.tree_heads))
    ingest, scorer, report = user(who.ingest), user(who.scorer), user(who.report)
    grants += [
        Grant(ingest, "READ", "topic", t.progress),
        Grant(ingest, "WRITE", "topic", t.ledger),
        Grant(ingest, "WRITE", "topic", t.dead_letters),
        Grant(ingest, "WRITE", "topic", t.receipts),
        Grant(ingest, "WRITE", "topic", t.tree_heads),
        Grant(ingest, "READ", "group", f"{prefix}.ingest"),
        Grant(ingest, "DESCRIBE", "topic", everything, prefixed=True),
        Grant(scorer, "READ", "topic", t.ledger),
        Grant(scorer, "WRITE", "topic", t.alerts),
        Grant(scorer, "READ", "group", f"{prefix}.scorer"),
        Grant(scorer, "DESCRIBE", "topic", everything, prefixed=True),
        Grant(report, "WRITE", "topic", t.reports),
    ]
    return grants


def of_pipeline(grants: Iterable[Grant], prefix: str) -> list[Grant]:
    """Those of `grants` that name a topic or group of the pipeline `prefix`."""
    return sorted(g for g in grants if g.name.startswith(f"{prefix}."))
