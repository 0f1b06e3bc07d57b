"""Reports carry their proof (issue 14, point 5), on a ledger written through the real
broker and ingest, on SQLite and PostgreSQL: a report counts the first c leaves of the
Merkle tree and carries a signed tree head covering them with the consistency proof;
`tiendo report verify` checks it with the ledger's and the reports key's public keys and
names each tampering: two charts swapped in the HTML and in the Markdown, the PDF
annotated, a figure edited, a head whose signature was altered, the ledger truncated below
the report's head."""

from __future__ import annotations

import hashlib
import io
import json
import re
import shutil

import pytest
from click.testing import CliRunner
from pypdf import PdfWriter
from pypdf.annotations import FreeText
from sqlalchemy import text, update

from shared.db.schema import tree_heads
from shared.keyfiles import LEDGER_KEY_NAME, OperatorKey, public_path

from services.cli import main
from services.report.build import ReportBuilder
from tests.factories import signed_bytes
from tests.integration.pipeline import Pipeline
from tests.unit.report import dataset
from tests.unit.report.ledger import event, ratio

_CHART = re.compile(r"data:image/svg\+xml;base64,[A-Za-z0-9+/=]*")


def tiendo(env, *args):
    return CliRunner(env=env).invoke(main, list(args), catch_exceptions=False)


def verify(env, path, *extra) -> tuple[int, dict]:
    result = tiendo(env, "report", "verify", str(path), "--json", *extra)
    return result.exit_code, json.loads(result.stdout)


@pytest.fixture
def pipeline(settings, env_for, tmp_path):
    """The known data set ingested by a worker that signs no head (a report of it cannot
    be built yet), then one more event recorded now by one that does: the report's
    cut-off, the end of the data set, falls below the only head."""
    p = Pipeline(settings)
    events = dataset.events()
    keys = {a: p.issue_key(a) for a in sorted({e["agency_id"] for e in events})}
    p.publish([(e["agency_id"], signed_bytes(e, keys[e["agency_id"]])) for e in events])
    p.ingest(heads=None)
    refused = tiendo(env_for, "report", "build", "--period", "2025-Q2", "--format", "md", "--out", str(tmp_path))
    assert refused.exit_code == 1 and "no signed tree head covers the cut-off yet" in refused.output, refused.output
    p.cut_off = ReportBuilder(p.engine).latest_cutoff(prove=False).at
    p.publish([("ha-noi", signed_bytes(event("ha-noi", dataset.RATE, "2025-06-30", ratio(1, 10_000),
                                             event_id="after-cut-off"), keys["ha-noi"]))])
    p.ingest(replay_clock=False)
    yield p
    p.dispose()


def build(env, out, pipeline, formats="md,html,pdf") -> dict:
    result = tiendo(env, "report", "build", "--period", "2025-Q2", "--format", formats, "--out", str(out),
                    "--cut-off", pipeline.cut_off.isoformat(), "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _copy(path, to) -> object:
    """A copy of a report file (and of its signature file and its charts' folder) to tamper with."""
    to.mkdir(exist_ok=True)
    shutil.copyfile(path, to / path.name)
    signature = path.with_name(path.name + ".sig")
    if signature.exists():
        shutil.copyfile(signature, to / signature.name)
    charts = path.with_suffix(".charts")
    if charts.is_dir():
        shutil.copytree(charts, to / charts.name)
    return to / path.name


def _swap_charts(path) -> None:
    content = path.read_text(encoding="utf-8")
    first, second = list(_CHART.finditer(content))[:2]
    path.write_text(content[:first.start()] + second.group(0) + content[first.end():second.start()]
                    + first.group(0) + content[second.end():], encoding="utf-8")


def _annotate(path) -> None:
    writer = PdfWriter(io.BytesIO(path.read_bytes()), incremental=True)
    writer.add_annotation(page_number=0, annotation=FreeText(text="Tất cả chỉ tiêu đã đạt",
                                                             rect=(50, 600, 500, 700)))
    out = io.BytesIO()
    writer.write(out)
    path.write_bytes(out.getvalue())


def test_a_report_carries_its_proof_and_each_tampering_is_named(pipeline, settings, env_for, tmp_path):
    built = build(env_for, tmp_path / "issued", pipeline)
    entries = pipeline.ledger.ledger_size()
    tree = built["cutoff"]["tree"]
    assert (tree["size"], tree["head"]["tree_size"]) == (entries - 1, entries) and tree["consistency"]
    assert tree["root"] == pipeline.ledger.tree.root(entries - 1).hex()
    files = {fmt: tmp_path / "issued" / f"tiendo-2025-Q2-vi.{fmt}" for fmt in ("md", "html", "pdf")}
    assert built["files"]["md"]["signature"] == str(files["md"]) + ".sig"
    charts = tmp_path / "issued" / "tiendo-2025-Q2-vi.charts"
    assert built["files"]["md"]["charts"] == [
        {"path": str(charts / f"chart-{i}.svg"), "sha256": hashlib.sha256((charts / f"chart-{i}.svg").read_bytes())
         .hexdigest()} for i in (1, 2, 3)]
    assert "signature" not in built["files"]["pdf"], "the PDF carries its signature inside"

    # The public keys given explicitly, as an auditor holding them would.
    keys = ("--public-key", str(public_path(settings.ledger_key_path)),
            "--reports-key", str(public_path(settings.reports_key_path)))
    for fmt, path in files.items():
        code, out = verify(env_for, path, *keys)
        assert code == 0 and out["matches"], out["problems"]
        assert (out["signature"], out["same_bytes"], out["tree"]) == ("valid", True, tree)

    swapped = _copy(files["md"], tmp_path / "swapped-md")
    first, second = (swapped.with_suffix(".charts") / f"chart-{i}.svg" for i in (1, 2))
    data = first.read_bytes()
    first.write_bytes(second.read_bytes())
    second.write_bytes(data)
    code, out = verify(env_for, swapped)
    assert code == 1 and out["signature"] == "valid"
    assert any(p.startswith("the chart file tiendo-2025-Q2-vi.charts/chart-1.svg was changed after the report was "
                            "issued") for p in out["problems"]), out["problems"]

    swapped = _copy(files["html"], tmp_path / "swapped-html")
    _swap_charts(swapped)
    code, out = verify(env_for, swapped)
    assert code == 1
    assert "chart 1 (Mức đạt so với mục tiêu của từng chỉ tiêu) shows the ledger's chart 2 (Số tỉnh, thành " \
           "phố theo đánh giá, từng chỉ tiêu)" in out["problems"], out["problems"]
    assert out["signature"] == "invalid"

    annotated = _copy(files["pdf"], tmp_path / "annotated")
    _annotate(annotated)
    code, out = verify(env_for, annotated)
    assert code == 1 and out["signature"] == "invalid"
    assert out["problems"][0].startswith("the PDF was changed after it was signed"), out["problems"]

    edited = _copy(files["md"], tmp_path / "edited")
    content = edited.read_text(encoding="utf-8")
    row = re.search(r"^\| 1 \| (?:[^|]+\| ){3}([0-9]+,[0-9]%)", content, re.M)
    edited.write_text(content.replace(row.group(0), row.group(0).replace(row.group(1), "99,9%"), 1),
                      encoding="utf-8")
    code, out = verify(env_for, edited)
    assert code == 1
    assert any("99,9%" in p and "at line" in p for p in out["problems"]), out["problems"]
    assert any("changed after it was signed" in p for p in out["problems"]), out["problems"]

    # Checked against another ledger key, the head is named as not the ledger's.
    other = tmp_path / "other" / "ledger.key.pem"
    OperatorKey.create(other, LEDGER_KEY_NAME)
    code, out = verify(env_for, files["md"], "--public-key", str(public_path(other)))
    assert code == 1 and out["problems"][0].startswith("the report's tree head is not signed by the ledger key")


def test_a_forged_head_and_a_ledger_truncated_below_the_head_are_named(pipeline, env_for, tmp_path):
    entries = pipeline.ledger.ledger_size()
    md = build(env_for, tmp_path / "issued", pipeline, formats="md")["files"]["md"]["path"]
    assert verify(env_for, md)[0] == 0

    # Someone who can write the database alters the head's signature; a report built now carries it.
    with pipeline.engine.begin() as conn:
        signature = conn.execute(text("SELECT signature FROM tree_heads WHERE tree_size = :n"),
                                 {"n": entries}).scalar_one()
        forged = bytes(signature[:-1]) + bytes([signature[-1] ^ 1])
        conn.execute(update(tree_heads).where(tree_heads.c.tree_size == entries).values(signature=forged))
    rebuilt = build(env_for, tmp_path / "forged", pipeline, formats="md")["files"]["md"]["path"]
    code, out = verify(env_for, rebuilt)
    assert code == 1
    assert f"the report's tree head is not signed by the ledger key: the signature of the head of size {entries} " \
           "does not verify" in out["problems"], out["problems"]

    # The entry above the cut-off but below the report's head is deleted: the figures are
    # untouched, the proof is not.
    with pipeline.engine.begin() as conn:
        conn.execute(text("DELETE FROM ledger_entries WHERE leaf_index = :i"), {"i": entries - 1})
    code, out = verify(env_for, md)
    assert code == 1
    assert any(p.startswith("the ledger no longer extends the report's signed head") and "truncated" in p
               for p in out["problems"]), out["problems"]
    assert not any("the report says" in p for p in out["problems"]), out["problems"]
