"""`report verify`: a report matches the ledger it came from and is signed by the reports
key; an edit to its numbers, its text or its charts, an annotation on the PDF, a forged
tree head, or an edit to the ledger below its cut-off or its head is caught and named."""

from __future__ import annotations

import hashlib
import io
import json
import re
import shutil
from dataclasses import replace
from datetime import timedelta

import pytest
from pypdf import PdfWriter
from pypdf.annotations import FreeText, Text
from sqlalchemy import text

from shared.clock import utc_now
from shared.keyfiles import REPORTS_KEY_NAME, ReportsKey

from services.report import detached
from services.report.build import ReportBuilder, write_report
from services.report.figures import NotAReport, to_json
from services.report.period import Period
from services.report.render import render_pdf
from services.report.verify import verify_file
from services.report.view import build_view
from tests.unit.report.conftest import CUTOFF, public_keys, write_dataset
from tests.unit.report.ledger import LedgerFile, event, ratio

_CHART = re.compile(r"data:image/svg\+xml;base64,[A-Za-z0-9+/=]*")
_BLOCK = re.compile(r'(<!-- tiendo-report-figures\n|<script type="application/json" id="tiendo-report-figures">)'
                    r'(.*?)(\n-->|</script>)', re.S)


@pytest.fixture
def ledger(tmp_path):
    """A ledger of its own, for a test that changes it."""
    lg = LedgerFile(tmp_path / "ledger.db")
    write_dataset(lg)
    yield lg
    lg.engine.dispose()


@pytest.fixture(scope="module")
def originals(builder, reports_key, tmp_path_factory):
    """The Q2 report built once from the module's known ledger (never changed), signed."""
    report = builder.report(Period.parse("2025-Q2"), builder.cutoff_at(CUTOFF))
    return write_report(report, "vi", ["md", "html", "pdf"], tmp_path_factory.mktemp("reports"), reports_key)


@pytest.fixture
def written(builder, known, reports_key, originals, tmp_path):
    """Copies of the report files (and their signature files) a test may edit, and the
    keys to check them against."""
    copies = {}
    for fmt, f in originals.items():
        copies[fmt] = tmp_path / f.path.name
        shutil.copyfile(f.path, copies[fmt])
        for chart in f.charts:
            (tmp_path / chart.path.parent.name).mkdir(exist_ok=True)
            shutil.copyfile(chart.path, tmp_path / chart.path.parent.name / chart.path.name)
        if f.signature:
            shutil.copyfile(f.signature, detached.signature_path(copies[fmt]))
    return builder, copies, public_keys(known, reports_key)


def _own_report(ledger, reports_key, tmp_path, cut_off=CUTOFF, formats=("md",)):
    builder = ReportBuilder(ledger.engine)
    report = builder.report(Period.parse("2025-Q2"), builder.cutoff_at(cut_off))
    files = write_report(report, "vi", formats, tmp_path / "out", reports_key)
    return builder, files, public_keys(ledger, reports_key)


def _edit_block(path, change) -> None:
    """Change the figures block of a Markdown or HTML report, written back the way it is built."""
    content = path.read_text(encoding="utf-8")
    match = _BLOCK.search(content)
    data = json.loads(match.group(2))
    change(data)
    path.write_text(content[:match.start(2)] + to_json(data) + content[match.end(2):], encoding="utf-8")


def _swap_first_two_charts(path) -> None:
    content = path.read_text(encoding="utf-8")
    first, second = list(_CHART.finditer(content))[:2]
    assert first.group(0) != second.group(0)
    path.write_text(content[:first.start()] + second.group(0) + content[first.end():second.start()]
                    + first.group(0) + content[second.end():], encoding="utf-8")


def test_an_untouched_report_matches_and_is_signed(written):
    builder, files, keys = written
    for fmt in ("md", "html", "pdf"):
        verdict = verify_file(builder, files[fmt], keys)
        assert verdict.matches, verdict.problems
        assert (verdict.format, verdict.period, verdict.lang) == (fmt, "2025-Q2", "vi")
        assert (verdict.signature, verdict.same_bytes, verdict.notes) == ("valid", True, [])
        assert verdict.tree["size"] == verdict.cutoff_seq


def test_without_its_signature_file_a_report_is_checked_and_the_absence_noted(written):
    builder, files, keys = written
    detached.signature_path(files["md"]).unlink()
    verdict = verify_file(builder, files["md"], keys)
    assert verdict.matches and verdict.signature == "absent"
    assert "no detached signature" in verdict.notes[0]


def test_two_charts_swapped_in_the_html_are_named(written):
    builder, files, keys = written
    fmt = "html"
    _swap_first_two_charts(files[fmt])
    verdict = verify_file(builder, files[fmt], keys)
    assert not verdict.matches
    assert "chart 1 (Mức đạt so với mục tiêu của từng chỉ tiêu) shows the ledger's chart 2 " \
           "(Số tỉnh, thành phố theo đánh giá, từng chỉ tiêu)" in verdict.problems, verdict.problems
    assert "chart 2 (Số tỉnh, thành phố theo đánh giá, từng chỉ tiêu) shows the ledger's chart 1 " \
           "(Mức đạt so với mục tiêu của từng chỉ tiêu)" in verdict.problems
    assert any("the file was changed after it was signed" in p for p in verdict.problems), verdict.problems
    # Without its signature file the swap is caught all the same.
    detached.signature_path(files[fmt]).unlink()
    assert any(p.startswith("chart 1 ") for p in verify_file(builder, files[fmt], keys).problems)


def test_chart_files_swapped_beside_the_markdown_are_named(written):
    """The Markdown's charts are files beside it: its signature does not cover their bytes,
    the SHA-256 list it carries does (services.report.chartfiles)."""
    builder, files, keys = written
    charts = files["md"].parent / "tiendo-2025-Q2-vi.charts"
    first, second = (charts / "chart-1.svg").read_bytes(), (charts / "chart-2.svg").read_bytes()
    (charts / "chart-1.svg").write_bytes(second)
    (charts / "chart-2.svg").write_bytes(first)
    verdict = verify_file(builder, files["md"], keys)
    assert verdict.signature == "valid" and verdict.same_bytes and not verdict.matches
    for name in ("chart-1.svg", "chart-2.svg"):
        assert any(p.startswith(f"the chart file tiendo-2025-Q2-vi.charts/{name} was changed after the report was "
                                "issued") for p in verdict.problems), verdict.problems


def test_a_chart_file_edited_with_the_markdowns_list_is_named(written):
    """A forger who edits a chart and the hash the Markdown lists breaks its signature, and
    the chart is not the ledger's."""
    builder, files, keys = written
    chart = files["md"].parent / "tiendo-2025-Q2-vi.charts" / "chart-3.svg"
    old = hashlib.sha256(chart.read_bytes()).hexdigest()
    chart.write_bytes(chart.read_bytes().replace(b"#c62828", b"#2e7d32"))
    new = hashlib.sha256(chart.read_bytes()).hexdigest()
    files["md"].write_text(files["md"].read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
    problems = verify_file(builder, files["md"], keys).problems
    assert any("the file was changed after it was signed" in p for p in problems), problems
    assert "the chart file tiendo-2025-Q2-vi.charts/chart-3.svg (Diễn biến mức đạt so với mục tiêu (cuối mỗi " \
           "tháng)) differs from the ledger's" in problems, problems


def test_a_missing_chart_file_is_named(written):
    builder, files, keys = written
    (files["md"].parent / "tiendo-2025-Q2-vi.charts" / "chart-2.svg").unlink()
    problems = verify_file(builder, files["md"], keys).problems
    assert problems == ["the chart file tiendo-2025-Q2-vi.charts/chart-2.svg is missing (it must be beside the "
                        "report)"]


def test_a_chart_redrawn_is_named(written):
    builder, files, keys = written
    path = files["html"]
    content = path.read_text(encoding="utf-8")
    third = list(_CHART.finditer(content))[2]
    path.write_text(content[:third.start()] + "data:image/svg+xml;base64,PHN2Zy8+" + content[third.end():],
                    encoding="utf-8")
    problems = verify_file(builder, path, keys).problems
    assert "chart 3 (Diễn biến mức đạt so với mục tiêu (cuối mỗi tháng)) differs from the ledger's" in problems


def _annotated(data: bytes, incremental: bool) -> bytes:
    annotation = FreeText(text="Tất cả chỉ tiêu đã đạt", rect=(50, 600, 500, 700), font_size="20pt")
    if incremental:
        writer = PdfWriter(io.BytesIO(data), incremental=True)
    else:
        from pypdf import PdfReader
        writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
        annotation = Text(text="Tất cả chỉ tiêu đã đạt", rect=(50, 600, 80, 630))
    writer.add_annotation(page_number=0, annotation=annotation)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_a_pdf_annotated_after_signing_is_caught(written):
    builder, files, keys = written
    pdf = files["pdf"]
    signed = pdf.read_bytes()
    pdf.write_bytes(_annotated(signed, incremental=True))
    assert pdf.read_bytes().startswith(signed), "an incremental update keeps the signed bytes"
    verdict = verify_file(builder, pdf, keys)
    assert not verdict.matches and verdict.signature == "invalid"
    assert any("the PDF was changed after it was signed" in p for p in verdict.problems), verdict.problems

    pdf.write_bytes(_annotated(signed, incremental=False))
    verdict = verify_file(builder, pdf, keys)
    assert not verdict.matches
    assert any("signed bytes were changed" in p or "carries no signature" in p for p in verdict.problems), \
        verdict.problems


def test_a_pdf_signed_by_another_key_is_caught(builder, known, reports_key, tmp_path):
    other = ReportsKey.load_or_create(tmp_path / "other.key.pem", REPORTS_KEY_NAME)
    report = builder.report(Period.parse("2025-06"), builder.cutoff_at(CUTOFF))
    pdf = write_report(report, "vi", ["pdf"], tmp_path, other)["pdf"].path
    verdict = verify_file(builder, pdf, public_keys(known, reports_key))
    assert not verdict.matches
    assert verdict.problems[0].startswith("the PDF was signed by tiendo.reports+"), verdict.problems
    assert "not by the reports key" in verdict.problems[0]


def test_a_number_edited_in_the_text_is_caught(written):
    builder, files, keys = written
    path = files["md"]
    original = path.read_text(encoding="utf-8")
    # The first target's national figure in the summary table, whatever it is.
    row = re.search(r"^\| 1 \| (?:[^|]+\| ){3}([0-9]+,[0-9]%)", original, re.M)
    shown = row.group(1)
    edited = original.replace(row.group(0), row.group(0).replace(shown, "99,9%"), 1)
    path.write_text(edited, encoding="utf-8")
    verdict = verify_file(builder, path, keys)
    assert not verdict.matches
    assert any("99,9%" in p and shown in p for p in verdict.problems), verdict.problems
    assert any("changed after it was signed" in p for p in verdict.problems)


def test_a_number_edited_in_the_figures_block_is_caught(written):
    builder, files, keys = written
    path = files["html"]
    html = path.read_text(encoding="utf-8")
    edited = re.sub(r'("completion":)([0-9.]+)', r"\g<1>0.123", html, count=1)
    assert edited != html
    path.write_text(edited, encoding="utf-8")
    verdict = verify_file(builder, path, keys)
    assert not verdict.matches
    assert any("completion" in p and "0.123" in p for p in verdict.problems), verdict.problems


def test_a_tree_head_whose_signature_was_altered_is_caught(written):
    builder, files, keys = written

    def forge(data):
        head = data["report"]["cutoff"]["tree"]["head"]
        head["signature"] = head["signature"][:-2] + ("00" if head["signature"][-2:] != "00" else "01")
        del head["note"]  # the note repeats the signature; a forger would drop or redo it

    _edit_block(files["md"], forge)
    verdict = verify_file(builder, files["md"], keys)
    assert not verdict.matches
    assert any("the report's tree head is not signed by the ledger key: the signature of the head of size"
               in p for p in verdict.problems), verdict.problems


def test_a_root_that_is_not_the_ledgers_is_caught(written):
    builder, files, keys = written
    _edit_block(files["html"], lambda data: data["report"]["cutoff"]["tree"].update(root="ab" * 32))
    problems = verify_file(builder, files["html"], keys).problems
    assert any("is not proven a prefix of its signed head" in p for p in problems), problems
    assert any("hashed afresh, have root" in p for p in problems), problems


def test_later_entries_do_not_change_a_report_with_an_earlier_cut_off(ledger, reports_key, tmp_path):
    builder, files, keys = _own_report(ledger, reports_key, tmp_path)
    ledger.append(event("ha-noi", "online_dossier_rate", "2025-06-30", ratio(9_999, 10_000), kind="measurement",
                        event_id="late-june-figure"))
    assert verify_file(builder, files["md"].path, keys).matches


def test_a_ledger_truncated_below_the_reports_head_is_caught(ledger, reports_key, tmp_path):
    # An entry no head was signed at, the report's cut-off, then two more and a head over all.
    entries = ledger.store.ledger_size()
    cut_off = utc_now()
    ledger.append(event("hue", "online_dossier_rate", "2025-06-30", ratio(1, 10), event_id="at-the-cut-off"),
                  recorded_at=cut_off, sign=False)
    ledger.append(*(event("hue", "online_dossier_rate", "2025-06-30", ratio(k, 10), event_id=f"later-{k}")
                    for k in (2, 3)), recorded_at=cut_off + timedelta(seconds=1))
    builder, files, keys = _own_report(ledger, reports_key, tmp_path, cut_off=cut_off)
    md = files["md"].path
    block = json.loads(_BLOCK.search(md.read_text(encoding="utf-8")).group(2))
    tree = block["report"]["cutoff"]["tree"]
    assert (tree["size"], tree["head"]["tree_size"]) == (entries + 1, entries + 3) and tree["consistency"]
    assert verify_file(builder, md, keys).matches
    # The last two entries, above the cut-off but below the head, are deleted.
    with ledger.engine.begin() as conn:
        conn.execute(text("DELETE FROM ledger_entries WHERE leaf_index >= :n"), {"n": entries + 1})
    verdict = verify_file(builder, md, keys)
    assert not verdict.matches
    assert any(p.startswith("the ledger no longer extends the report's signed head:") and "truncated" in p
               for p in verdict.problems), verdict.problems
    assert not any("differs" in p or "the report says" in p for p in verdict.problems), \
        "the figures up to the cut-off are untouched"


def test_a_ledger_edited_below_the_cut_off_is_caught(ledger, reports_key, tmp_path):
    builder, files, keys = _own_report(ledger, reports_key, tmp_path)
    with ledger.engine.begin() as conn:
        conn.execute(text("UPDATE ledger_entries SET payload = replace(payload, '7250', '9250') "
                          "WHERE event_id = 'ha-noi-rate-05'"))
    verdict = verify_file(builder, files["md"].path, keys)
    assert not verdict.matches
    assert any("altered below the cut-off" in p and "ha-noi" in p for p in verdict.problems), verdict.problems


def test_a_file_that_is_not_a_report_is_refused(tmp_path, builder, known, reports_key):
    keys = public_keys(known, reports_key)
    path = tmp_path / "notes.md"
    path.write_text("# notes\n", encoding="utf-8")
    with pytest.raises(NotAReport, match="no Tiến độ figures block"):
        verify_file(builder, path, keys)
    bad = tmp_path / "bad.md"
    bad.write_text("<!-- tiendo-report-figures\n" + json.dumps({"format": "other"}) + "\n-->\n", encoding="utf-8")
    with pytest.raises(NotAReport, match="unknown figures format"):
        verify_file(builder, bad, keys)
    old = tmp_path / "old.md"
    old.write_text("<!-- tiendo-report-figures\n" + json.dumps({"format": "tiendo-report-figures/1"}) + "\n-->\n",
                   encoding="utf-8")
    with pytest.raises(NotAReport, match="built before reports carried their Merkle proof"):
        verify_file(builder, old, keys)


def test_a_pdf_made_again_with_two_charts_swapped_is_named(builder, known, reports_key, tmp_path):
    """Without the reports key a forger can only make an unsigned PDF: its signature is
    missing, and its pages are compared with the rebuild's, charts included."""
    report = builder.report(Period.parse("2025-Q2"), builder.cutoff_at(CUTOFF))
    view = build_view(report, "vi", charts_as="png")
    first, second, *rest = view.charts
    forged = replace(view, charts=[replace(first, data=second.data), replace(second, data=first.data), *rest])
    pdf = tmp_path / "tiendo-2025-Q2-vi.pdf"
    pdf.write_bytes(render_pdf(forged, report))
    verdict = verify_file(builder, pdf, public_keys(known, reports_key))
    assert not verdict.matches and verdict.signature == "absent" and not verdict.same_bytes
    assert verdict.problems[0].startswith("the PDF carries no signature"), verdict.problems
    assert "chart 1 (Mức đạt so với mục tiêu của từng chỉ tiêu) shows the ledger's chart 2 " \
           "(Số tỉnh, thành phố theo đánh giá, từng chỉ tiêu)" in verdict.problems, verdict.problems
