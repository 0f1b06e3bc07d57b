"""Building a report from the database: fix the cut-off, read the ledger and the dead
letters up to it, let the scorer compute the figures, render, write the files."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import Engine

from shared.clock import utc_now
from shared.db.ledger import ChainHead, LedgerStore
from shared.clock import as_utc
from shared.db.report_queries import ReportQueries

from services.report.amendments import amendment, in_sent_order
from services.report.assemble import assemble
from services.report.facts import Fact, fact_of
from services.report.model import Amendment, Cutoff, Report
from services.report.period import Period
from services.report.render import FORMATS, render_html, render_markdown, render_pdf
from services.report.scan import scan
from services.report.view import View, build_view, chart_format, views_with_charts, with_charts


def ledger_head_hash(heads: dict[str, ChainHead]) -> str:
    """One hash for the whole ledger at a position: SHA-256 of ``agency:position:hash``
    of every chain's head, one per line in agency order. Each head commits to its whole
    chain, so this commits to every entry up to the position."""
    lines = "".join(f"{agency}:{head.chain_pos}:{head.hash}\n" for agency, head in sorted(heads.items()))
    return hashlib.sha256(lines.encode("utf-8")).hexdigest()


def file_name(period: Period, lang: str, fmt: str) -> str:
    """``tiendo-2025-Q2-vi.pdf``."""
    return f"tiendo-{period.code}-{lang}.{fmt}"


@dataclass(frozen=True)
class WrittenFile:
    """A rendered file and the SHA-256 of its bytes."""

    path: Path
    sha256: str


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

    def cutoff_at(self, at: datetime) -> Cutoff:
        """The cut-off at an instant: the ledger and the dead letters as recorded then."""
        return self.cutoff(at, self.queries.ledger_position(at), self.queries.dead_letter_position(at))

    def latest_cutoff(self) -> Cutoff:
        """The cut-off at the newest record (ledger entry or dead letter), so that while
        nothing new arrives every build sees the same cut-off; now when nothing exists."""
        return self.cutoff_at(self.queries.last_recorded() or utc_now())

    def cutoff(self, at: datetime, seq: int, dead_letter_id: int) -> Cutoff:
        """A cut-off at known positions, with the ledger head hash recomputed at ``seq``."""
        heads = self.queries.chain_heads_at(seq)
        return Cutoff(at=as_utc(at), seq=seq, dead_letter_id=dead_letter_id, head_hash=ledger_head_hash(heads),
                      chains=len(heads))

    def report(self, period: Period, cutoff: Cutoff) -> Report:
        """The report model: the scorer's figures for the ledger up to the cut-off."""
        scanned = scan(self.queries.ledger_rows(cutoff.seq), period, cutoff.seq)
        rejected = self.queries.rejected_up_to(cutoff.dead_letter_id)
        return assemble(period, cutoff, scanned, rejected, LedgerQuotes(self.queries, cutoff.seq))

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


def write_report(report: Report, lang: str, formats: Iterable[str], out_dir: Path,
                 advance: Callable[[], None] = lambda: None) -> dict[str, WrittenFile]:
    """Render ``report`` in ``lang`` to each format under ``out_dir``; each file is
    written to a temporary name and renamed, so a reader never sees half a report."""
    out_dir.mkdir(parents=True, exist_ok=True)
    text = build_view(report, lang, draw_charts=False)
    advance()
    # Each chart is drawn once, encoded the ways the formats asked for embed them (SVG for
    # Markdown and HTML, PNG for the PDF).
    formats = tuple(formats)
    views = views_with_charts(text, report, (chart_format(fmt) for fmt in formats))
    written = {}
    for fmt in formats:
        data = render(views[chart_format(fmt)], report, fmt)
        path = out_dir / file_name(report.period, lang, fmt)
        partial = path.with_name(path.name + ".partial")
        partial.write_bytes(data)
        os.replace(partial, path)
        written[fmt] = WrittenFile(path, hashlib.sha256(data).hexdigest())
        advance()
    return written
