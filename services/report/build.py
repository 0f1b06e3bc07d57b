"""Building a report from the database: fix the cut-off, read the ledger and the dead
letters up to it, let the scorer compute the figures, render, write the files."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from shared.clock import as_utc, utc_now
from shared.config import Settings
from shared.db.ledger import LedgerStore
from shared.db.report_queries import ReportQueries
from shared.db.snapshots import SnapshotReader
from shared.domain.merkle import verify_consistency
from shared.keyfiles import REPORTS_KEY_NAME, ReportsKey
from shared.scoring.folding import fold_ledger
from shared.scoring.rows import projections_from_rows

from services.report import chartfiles, detached, pades
from services.report.amendments import amendment, in_sent_order
from services.report.assemble import assemble, report_days
from services.report.facts import Fact, fact_of
from services.report.model import Amendment, Cutoff, Report, TreeProof
from services.report.period import Period
from services.report.render import FORMATS, render_html, render_markdown, render_pdf
from services.report.scan import Scan, amending_in, period_instants
from services.report.scoring import Figures, LedgerFigures, SnapshotFigures
from services.report.view import View, build_view, chart_format, views_with_charts, with_charts


class NoTreeHead(RuntimeError):
    """No signed tree head covers the cut-off yet: the report cannot carry its proof.
    Ingest signs one every N entries, after T idle seconds and when it stops, so building
    again later succeeds (the scheduler retries on its next round)."""

    def __init__(self, size: int, newest: int | None) -> None:
        signed = f"the newest signed head covers {newest}" if newest is not None else "no head was signed yet"
        super().__init__(f"no signed tree head covers the cut-off yet: the report counts the first {size} ledger "
                         f"entries and {signed}; ingest signs a head every N entries, after a few idle seconds and "
                         "when it stops (`tiendo ingest run --head-every/--head-interval`): build again once it has")
        self.size = size
        self.newest = newest


def file_name(period: Period, lang: str, fmt: str) -> str:
    """``tiendo-2025-Q2-vi.pdf``."""
    return f"tiendo-{period.code}-{lang}.{fmt}"


@dataclass(frozen=True)
class WrittenFile:
    """A rendered file, the SHA-256 of its bytes, its detached signature file (Markdown
    and HTML; a PDF carries its signature inside) and the chart files beside it (Markdown)."""

    path: Path
    sha256: str
    signature: Path | None = None
    charts: tuple[WrittenFile, ...] = ()


def render(view: View, report: Report, fmt: str) -> bytes:
    """The bytes of one format; charts drawn the way the format embeds them (redrawn
    when ``view`` has them drawn the other way), so any view gives the same bytes."""
    if fmt in FORMATS and view.charts_as not in (None, chart_format(fmt)):
        view = with_charts(view, report, chart_format(fmt))
    if fmt == "md":
        return render_markdown(view).encode("utf-8")
    if fmt == "html":
        return render_html(view).encode("utf-8")
    if fmt == "pdf":
        return render_pdf(view, report)
    raise ValueError(f"unknown format {fmt!r}; use {', '.join(FORMATS)}")


class ReportBuilder:
    """Reads what a report needs from one database."""

    def __init__(self, engine: Engine) -> None:
        self.queries = ReportQueries(engine)
        self.ledger = LedgerStore(engine)
        self.snapshots = SnapshotReader(engine)
        self.source: str | None = None
        """Where the last report's figures came from: "snapshots" or "ledger"."""

    def cutoff_at(self, at: datetime, prove: bool = True) -> Cutoff:
        """The cut-off at an instant: the ledger and the dead letters as recorded then
        (with its Merkle proof unless ``prove`` is false: see :meth:`cutoff`)."""
        return self.cutoff(at, self.queries.ledger_position(at), self.queries.dead_letter_position(at), prove)

    def latest_cutoff(self, prove: bool = True) -> Cutoff:
        """The cut-off at the newest record (ledger entry or dead letter), so that while
        nothing new arrives every build sees the same cut-off; now when nothing exists."""
        return self.cutoff_at(self.queries.last_recorded() or utc_now(), prove)

    def cutoff(self, at: datetime, seq: int, dead_letter_id: int, prove: bool = True) -> Cutoff:
        """A cut-off at known positions, with the Merkle proof of the entries up to
        ``seq`` under a signed tree head (raises :class:`NoTreeHead` when none covers
        them yet). Without ``prove`` the cut-off carries no proof: for what only needs its
        positions (listing amendments, claiming a scheduled report)."""
        tree = self.tree_proof(self.queries.leaf_span(seq)[0]) if prove else None
        return Cutoff(at=as_utc(at), seq=seq, dead_letter_id=dead_letter_id, tree=tree)

    def tree_proof(self, size: int) -> TreeProof | None:
        """The tree of the first ``size`` leaves, the first signed head that covers them
        and the consistency proof between the two; None for an empty tree.

        The first covering head, not the newest: it never changes once issued, so a report
        rebuilt at the same cut-off is the same, byte for byte, however many heads came
        since; and its proof is the shortest. Verify still checks the ledger of today
        against it, and any later head an auditor keeps is tied to it by
        `tiendo ledger consistency`."""
        if size == 0:
            return None
        tree = self.ledger.tree
        first = self.queries.first_head_size(size)
        head = tree.head(first) if first is not None else None
        if head is None:
            newest = tree.latest_head()
            raise NoTreeHead(size, newest.tree_size if newest else None)
        root = tree.root(size)
        proof = tree.consistency_proof(size, head.tree_size) if size < head.tree_size else []
        # The stored tree answers for itself: a proof that does not verify here would
        # fail every auditor's check, so no report is issued with it.
        if not verify_consistency(size, root, head.tree_size, head.root_hash, proof):
            raise RuntimeError(f"the stored Merkle tree is inconsistent: the root of its first {size} leaves is not "
                               f"a prefix of the signed head of {head.tree_size} (check `tiendo ledger verify`)")
        return TreeProof(size=size, root=root.hex(), head=head.to_json(), consistency=tuple(h.hex() for h in proof))

    def report(self, period: Period, cutoff: Cutoff, audit: bool = False) -> Report:
        """The report model: the scorer's figures for the ledger up to the cut-off, read
        from its snapshots when they reflect exactly the cut-off, folded from the ledger
        otherwise and always with ``audit`` (what `report verify` does)."""
        start, end = period_instants(period)
        scanned = Scan(
            figures=self.figures(period, cutoff.seq, audit),
            reported=frozenset(self.queries.agencies_recorded(start, end, cutoff.seq)),
            amending=amending_in(self.queries.amending_entries(cutoff.seq), period),
        )
        rejected = self.queries.rejected_up_to(cutoff.dead_letter_id)
        return assemble(period, cutoff, scanned, rejected, LedgerQuotes(self.queries, cutoff.seq))

    def figures(self, period: Period, upto_seq: int, audit: bool = False) -> Figures:
        """The scorer's figures on the days a report of ``period`` reads, for the ledger up
        to ``upto_seq``: its snapshots when every one of those days is kept and reflects
        exactly those entries (unless ``audit``), else a fold of the ledger."""
        days = report_days(period)
        if not audit:
            found = self.snapshots.rows_at(days, upto_seq)
            if found is not None:
                self.source = "snapshots"
                return SnapshotFigures({d: projections_from_rows(found[d], d) for d in days}, upto_seq)
        self.source = "ledger"
        return LedgerFigures(fold_ledger(self.queries.ledger_rows(upto_seq)).fold, upto_seq)

    def amendments(self, period: Period, cutoff: Cutoff) -> list[Amendment]:
        """Every correction and retraction sent during ``period``, in the order they were
        sent, with the figure each replaced, from the ledger up to the cut-off: what the
        report counts and shows only the most recent of."""
        amending_facts = [f for f in map(fact_of, self.queries.amending_entries(cutoff.seq))
                          if period.contains(f.reported_on)]
        originals = LedgerQuotes(self.queries, cutoff.seq).amended(amending_facts)
        return [amendment(f, originals.get((f.agency_id, f.amends))) for f in in_sent_order(amending_facts)]


class LedgerQuotes:
    """The events a report quotes, read from the ledger up to one position."""

    def __init__(self, queries: ReportQueries, upto_seq: int) -> None:
        self.queries = queries
        self.upto_seq = upto_seq

    def at(self, seqs: Iterable[int]) -> dict[int, Fact]:
        """The events recorded at these ledger positions (none past the cut-off)."""
        return {r.seq: fact_of(r) for r in self.queries.entries_at(s for s in seqs if s <= self.upto_seq)}

    def amended(self, amending: Iterable[Fact]) -> dict[tuple[str, str], Fact]:
        """The events these corrections and retractions amend, by (agency, event id)."""
        rows = self.queries.entries_of_events(((f.agency_id, f.amends) for f in amending), self.upto_seq)
        return {(r.agency_id, r.event_id): fact_of(r) for r in rows}

    def explanations(self, as_of: date) -> dict[tuple[str, str], dict[str, Any]]:
        """The latest explanation of each agency × target recorded up to the cut-off and
        given on or before ``as_of``."""
        return {key: json.loads(row.payload)
                for key, row in self.queries.latest_explanations(self.upto_seq, as_of).items()}


def write_report(report: Report, lang: str, formats: Iterable[str], out_dir: Path, key: ReportsKey,
                 advance: Callable[[], None] = lambda: None) -> dict[str, WrittenFile]:
    """Render ``report`` in ``lang`` to each format under ``out_dir``, signed with the
    reports ``key``: the PDF with a PAdES signature, Markdown and HTML with a detached
    ``.sig`` file beside them; the Markdown's charts in a folder beside it
    (services.report.chartfiles). Each file is written to a temporary name and renamed,
    the charts before the Markdown that lists them and the signature file after its
    report, so a reader never sees half a report."""
    out_dir.mkdir(parents=True, exist_ok=True)
    text = build_view(report, lang, draw_charts=False)
    advance()
    # Each chart is drawn once, encoded the ways the formats asked for embed them (SVG for
    # Markdown and HTML, PNG for the PDF).
    formats = tuple(formats)
    views = views_with_charts(text, report, (chart_format(fmt) for fmt in formats))
    written = {}
    for fmt in formats:
        view = views[chart_format(fmt)]
        data = render(view, report, fmt)
        path = out_dir / file_name(report.period, lang, fmt)
        signature = None
        charts = ()
        if fmt == "md":
            charts = tuple(_write_chart(out_dir / relative, chart)
                           for relative, chart in chartfiles.chart_files(view).items())
        if fmt == "pdf":
            data = pades.sign_pdf(data, key, reason=f"{text.title} — {text.period_label}")
        _write(path, data)
        if fmt != "pdf":
            signature = detached.signature_path(path)
            _write(signature, detached.signature_bytes(data, key))
        written[fmt] = WrittenFile(path, hashlib.sha256(data).hexdigest(), signature, charts)
        advance()
    return written


def _write_chart(path: Path, data: bytes) -> WrittenFile:
    path.parent.mkdir(exist_ok=True)
    _write(path, data)
    return WrittenFile(path, hashlib.sha256(data).hexdigest())


def _write(path: Path, data: bytes) -> None:
    partial = path.with_name(path.name + ".partial")
    partial.write_bytes(data)
    os.replace(partial, path)


def reports_key(settings: Settings) -> ReportsKey:
    """The key that signs issued reports, created on first use (a 0600 file in the data
    directory, its public half beside it: `TIENDO_REPORTS_KEY` moves it); ValueError
    naming the file and what to do when it cannot be used (an Ed25519 key, say)."""
    return ReportsKey.load_or_create(settings.reports_key_path, REPORTS_KEY_NAME)
