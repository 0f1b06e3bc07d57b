"""`report run`: the scheduled reports. On the first day of each month it builds the
previous month's report, after each quarter the quarter's, after each year the year's,
each exactly once, records it in the database and announces it on the reports topic.

Exactly once across restarts and concurrent workers: a report is first *claimed* (a
unique row per period and language, holding the cut-off it will be built at), then
built, then announced. A worker that stops after the claim rebuilds the same report at
the same cut-off on its next start; one that stops after building announces it then. The
announcement is at least once (a crash between sending and stamping it repeats it, with
identical content); consumers key on ``report_id``.

A report carries the Merkle proof of its cut-off under a signed tree head. A report that
falls due before ingest has signed a head covering its cut-off stays claimed and unbuilt,
and is built on a later round, once a head covers it (the claim fixed the cut-off, so it
is the same report, proven by that later head).

After each round the issued reports are e-mailed to their subscribers, and refused
e-mails tried again when their backoff is over (services/report/delivery.py)."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from shared.clock import utc_now, vietnam_today
from shared.config import Settings
from shared.db.report_queries import ReportRecord, ReportStore
from shared.kafka import Broker
from shared.keyfiles import ReportsKey

from services.report.build import NoTreeHead, ReportBuilder, WrittenFile, reports_key, write_report
from services.report.delivery import Deliverer
from services.report.model import Report, plain
from services.report.period import Period, due_periods

log = logging.getLogger("tiendo.report")


def announcement(record: ReportRecord) -> bytes:
    """The reports-topic message of a built report (key: the period)."""
    period = Period.parse(record.period)
    return json.dumps({
        "report_id": record.id, "period": record.period, "kind": period.kind.value, "lang": record.lang,
        "as_of": period.end.isoformat(),
        "cutoff": {"at": record.cutoff_at.isoformat(), "seq": record.cutoff_seq,
                   "dead_letter_id": record.cutoff_dead_letter_id, "tree": record.tree},
        "files": record.files,
    }, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


@dataclass
class WorkerStats:
    """What a worker did, printed when it stops."""

    built: list[str] = field(default_factory=list)
    resumed: list[str] = field(default_factory=list)
    announced: int = 0
    # Claimed but not built yet: no signed tree head covers their cut-off yet.
    waiting: list[str] = field(default_factory=list)
    # E-mails of issued reports the SMTP server accepted, and attempts it refused.
    mailed: int = 0
    mail_failed: int = 0


class ReportWorker:
    """Builds, records and announces the reports that are due."""

    def __init__(self, settings: Settings, broker: Broker, builder: ReportBuilder, store: ReportStore, *,
                 out_dir: Path, since: Period, langs: Sequence[str] = ("vi",), formats: Sequence[str] = ("md",),
                 today: Callable[[], date] = vietnam_today, now: Callable[[], datetime] = utc_now,
                 key: ReportsKey | None = None, deliverer: Deliverer | None = None) -> None:
        self.settings = settings
        self.broker = broker
        self.builder = builder
        self.store = store
        self.out_dir = out_dir
        self.since = since
        self.langs = tuple(langs)
        self.formats = tuple(formats)
        self.today = today
        self.now = now
        self.stats = WorkerStats()
        # The CLI passes the key it loaded, so that an unusable key file is one line, not a traceback.
        self.key = key or reports_key(settings)
        # E-mails the issued reports to their subscribers after each round (None: not at all).
        self.deliverer = deliverer

    def due(self) -> list[tuple[Period, str]]:
        """(period, language) of every report due today and not claimed yet."""
        claimed = self.store.claimed()
        return [(p, lang) for p in due_periods(self.today(), self.since) for lang in self.langs
                if (p.code, lang) not in claimed]

    def run_once(self, on_report: Callable[[str], None] = lambda label: None) -> WorkerStats:
        """Finish what a stopped worker left, then build every report that is due."""
        self.broker.ensure_topics([self.settings.topics.reports], self.settings.partitions)
        producer = self.broker.producer()
        self.stats.waiting = []
        try:
            for record in self.store.unbuilt():
                if self._build(record):
                    self.stats.resumed.append(f"{record.period}/{record.lang}")
                on_report(f"{record.period}/{record.lang}")
            for period, lang in self.due():
                cutoff = self.builder.cutoff_at(self.now(), prove=False)  # proven when built
                record = self.store.claim(period.code, lang, cutoff.at, cutoff.seq, cutoff.dead_letter_id)
                if record is None:
                    continue  # another worker claimed it a moment ago
                if self._build(record):
                    self.stats.built.append(f"{period.code}/{lang}")
                on_report(f"{period.code}/{lang}")
            for record in self.store.unpublished():
                producer.send(self.settings.topics.reports, record.period, announcement(record))
                producer.flush()
                self.store.mark_published(record.id)
                self.stats.announced += 1
        finally:
            producer.close()
        if self.deliverer is not None:
            mailed = self.deliverer.run_once()
            self.stats.mailed += len(mailed.sent)
            self.stats.mail_failed += len(mailed.failed)
        return self.stats

    def run(self, interval_s: float = 300.0, stop: Callable[[], bool] = lambda: False) -> WorkerStats:
        """Check for due reports every ``interval_s`` seconds until stopped."""
        while True:
            self.run_once(on_report=lambda label: log.info("built report %s", label))
            deadline = time.monotonic() + interval_s
            while time.monotonic() < deadline:
                if stop():
                    return self.stats
                time.sleep(min(1.0, interval_s))

    def _report(self, record: ReportRecord) -> Report:
        cutoff = self.builder.cutoff(record.cutoff_at, record.cutoff_seq, record.cutoff_dead_letter_id)
        return self.builder.report(Period.parse(record.period), cutoff)

    def _build(self, record: ReportRecord) -> bool:
        """Build, sign and record a claimed report; False when no signed head covers its
        cut-off yet (it stays claimed, and a later round builds it)."""
        try:
            report = self._report(record)
        except NoTreeHead as exc:
            log.warning("report %s/%s waits: %s", record.period, record.lang, exc)
            self.stats.waiting.append(f"{record.period}/{record.lang}")
            return False
        written = write_report(report, record.lang, self.formats, self.out_dir, self.key)
        self.store.mark_built(record.id, files_json(written), plain(report.cutoff.tree))
        return True


def files_json(written: dict[str, WrittenFile]) -> dict[str, dict[str, Any]]:
    """The files of a built report as recorded and announced: path, SHA-256, the
    detached signature file's path (Markdown and HTML) and the chart files beside the
    Markdown, each with its SHA-256."""
    return {fmt: {"path": str(f.path), "sha256": f.sha256, **({"signature": str(f.signature)} if f.signature else {}),
                  **({"charts": [{"path": str(c.path), "sha256": c.sha256} for c in f.charts]} if f.charts else {})}
            for fmt, f in written.items()}
