"""`report verify`: is a report file the one that was issued, and does it say what the
ledger says?

The checks, in order, each failure named:

1. the document's signature by the reports key: the PDF's PAdES signature, covering the
   whole file (an annotation or any edit added after it is named); for Markdown and HTML
   the detached ``<file>.sig`` beside the file when it is there (its absence is noted:
   the content is still checked, its issuer is not);
2. the cut-off's proof: the tree head the report carries is signed by the ledger key; the
   report's tree (the first c leaves, root_c) is a prefix of the head's (RFC 9162
   consistency proof); the ledger today still extends that head (no entry below it
   deleted, truncated or rewritten); c is the number of entries up to the cut-off, and
   those entries, hashed afresh, fold to root_c;
3. the hash chains up to the cut-off (an entry whose content no longer matches its hash);
4. every figure of the report's figures block equals a rebuild from the ledger;
5. the whole document equals the rebuild: Markdown and HTML byte for byte, charts
   included (when they differ, each differing chart and the first differing line of text
   are named); the PDF's signed revision equal to the rebuilt PDF's bytes or, when those
   differ (another WeasyPrint or font version), its text and its chart images;
6. a Markdown report's chart files beside it (services.report.chartfiles): each one it
   lists is there, has the SHA-256 the (signed) Markdown lists, and is the rebuilt chart."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from datetime import datetime
from itertools import islice
from pathlib import Path
from typing import Any

from shared.db.ledger import LedgerStore
from shared.db.tree_audit import extends_head
from shared.domain.chain import first_break
from shared.domain.merkle import append_leaves, fold_nodes, verify_consistency
from shared.domain.tree_head import TreeHead, entry_leaf_hash, head_problem

from services.report import chartfiles, detached, pades
from services.report.build import ReportBuilder, render
from services.report.figures import block, differences, read_block
from services.report.model import Cutoff, TreeProof
from services.report.period import Period
from services.report.view import View, build_view, chart_format

MAX_DIFFERENCES = 20
_CHART_DATA = re.compile(r"data:image/(?:svg\+xml|png);base64,[A-Za-z0-9+/=]*")
_DRAWN = re.compile(rb"/([^\s/\[\]()<>{}%]+)\s+Do\b")  # a PDF content stream drawing an XObject

PublicKey = tuple[str, bytes]
"""(name, public key): the ledger key's raw Ed25519 key (shared.keyfiles.load_public_key_file),
the reports key's DER SubjectPublicKeyInfo (load_reports_public_key_file)."""


@dataclass(frozen=True)
class PublicKeys:
    """What a report is checked against: the ledger's key (tree heads) and the reports
    key (the document's signature)."""

    ledger: PublicKey
    reports: PublicKey


@dataclass
class Verdict:
    """The outcome of verifying one report file."""

    path: Path
    format: str
    period: str
    lang: str
    cutoff_seq: int
    tree: dict[str, Any] | None
    problems: list[str] = field(default_factory=list)
    # What was not checked, and why (a Markdown or HTML file without its .sig).
    notes: list[str] = field(default_factory=list)
    # The document's signature: valid, invalid, or absent (services.report.pades).
    signature: str = pades.ABSENT
    # The document equals a rebuild byte for byte (for a PDF: its signed revision does).
    same_bytes: bool = False

    @property
    def matches(self) -> bool:
        return not self.problems


def verify_file(builder: ReportBuilder, path: Path, keys: PublicKeys) -> Verdict:
    """Check ``path`` (Markdown, HTML or PDF): its signature, its proof, and everything it
    shows against the ledger it was built from. Raises
    :class:`services.report.figures.NotAReport` for a file that is no report."""
    fmt, data = read_block(path)
    found = data["report"]
    cut = found["cutoff"]
    verdict = Verdict(path, fmt, found["period"], data["lang"], cut["seq"], cut.get("tree"))
    content = path.read_bytes()
    _check_signature(verdict, path, content, keys.reports)
    head = builder.ledger.head_seq()
    if cut["seq"] > head:
        verdict.problems.append(f"the report's cut-off (ledger entry {cut['seq']}) is past the ledger's head "
                                f"(entry {head}): entries it counted are gone")
        return verdict
    try:
        tree = tree_proof_of(cut.get("tree"))
    except ValueError as exc:
        verdict.problems.append(f"the report's Merkle proof cannot be read: {exc}")
        tree = None
    else:
        verdict.problems += tree_problems(builder, tree, cut["seq"], keys.ledger)
    broken = first_break(row for row in builder.ledger.chain_rows() if row.seq <= cut["seq"])
    if broken is not None:
        verdict.problems.append(f"the ledger was altered below the cut-off: {broken.describe()}")
    # The proof was checked above: the rebuild carries the report's own, so what follows
    # compares what the report says about the entries.
    cutoff = Cutoff(at=datetime.fromisoformat(cut["at"]), seq=cut["seq"], dead_letter_id=cut["dead_letter_id"],
                    tree=tree)
    report = builder.report(Period.parse(found["period"]), cutoff, audit=True)
    expected = block(report, data["lang"])["report"]
    diffs = differences(expected, found)
    verdict.problems += diffs[:MAX_DIFFERENCES]
    if len(diffs) > MAX_DIFFERENCES:
        verdict.problems.append(f"… and {len(diffs) - MAX_DIFFERENCES} more differing figures")
    if diffs:
        return verdict
    view = build_view(report, data["lang"], charts_as=chart_format(fmt))
    rebuilt = render(view, report, fmt)
    if fmt == "pdf":
        # Signed by an incremental update: the signed file starts with the unsigned report.
        verdict.same_bytes = content.startswith(rebuilt)
        if not verdict.same_bytes:
            verdict.problems += _pdf_differences(view, rebuilt, content)
    else:
        verdict.same_bytes = content == rebuilt
        if not verdict.same_bytes:
            verdict.problems += _document_differences(view, rebuilt, content)
    if fmt == "md":
        verdict.problems += chartfiles.problems(path, content.decode("utf-8", "replace"), view)
    return verdict


def tree_proof_of(data: Any) -> TreeProof | None:
    """The Merkle proof of a report's figures block (None for a report of an empty
    ledger); ValueError naming what is malformed."""
    if data is None:
        return None
    try:
        size, root, head, proof = int(data["size"]), str(data["root"]), dict(data["head"]), data["consistency"]
        consistency = tuple(str(h) for h in proof)
        for h in (root, *consistency):
            if len(bytes.fromhex(h)) != 32:
                raise ValueError(f"{h!r} is not a SHA-256 hash in hex")
    except KeyError as exc:
        raise ValueError(f"it has no {exc.args[0]!r}") from None
    except (TypeError, AttributeError) as exc:
        raise ValueError(str(exc)) from None
    return TreeProof(size=size, root=root, head=head, consistency=consistency)


def tree_problems(builder: ReportBuilder, tree: TreeProof | None, seq: int, ledger_key: PublicKey) -> list[str]:
    """What shows the report's Merkle proof is not the ledger's at its cut-off ``seq``;
    an empty list when it is."""
    count, last = builder.queries.leaf_span(seq)
    if tree is None:
        return [f"the report carries no Merkle tree, but the ledger holds {count} entries up to its cut-off"] \
            if count else []
    try:
        head = TreeHead.from_json(tree.head)
    except ValueError as exc:
        return [f"the report's signed tree head cannot be read: {exc}"]
    problems = []
    name, public_key = ledger_key
    signature = head_problem(head, name, public_key)
    if signature:
        problems.append(f"the report's tree head is not signed by the ledger key: {signature}")
    if not verify_consistency(tree.size, bytes.fromhex(tree.root), head.tree_size, head.root_hash,
                              [bytes.fromhex(h) for h in tree.consistency]):
        problems.append(f"the report's tree ({tree.size} leaves, root {tree.root[:16]}…) is not proven a prefix of "
                        f"its signed head of {head.tree_size} leaves: the consistency proof does not verify")
    if not signature:
        problems += [f"the ledger no longer extends the report's signed head: {p}"
                     for p in extends_head(builder.ledger, head, name, public_key)]
    if count != tree.size or (count and last != count - 1):
        problems.append(f"the report's tree has {tree.size} leaves, but the ledger holds {count} entries up to the "
                        f"cut-off (entry {seq})" + (f", the last of them leaf {last}" if count else ""))
    else:
        root = _root_of_entries(builder.ledger, tree.size).hex()
        if root != tree.root:
            problems.append(f"the ledger's first {tree.size} entries, hashed afresh, have root {root[:16]}…, not "
                            f"the report's {tree.root[:16]}…: an entry the report counts was changed")
    return problems


def _root_of_entries(ledger: LedgerStore, size: int) -> bytes:
    """The Merkle root of the first ``size`` entries as the ledger holds them now, from
    their hashes (not from the stored tree)."""
    leaves = ledger.leaves(size)
    count, frontier = 0, []
    while chunk := [entry_leaf_hash(leaf.hash) for leaf in islice(leaves, 10_000)]:
        _, frontier = append_leaves(count, frontier, chunk)
        count += len(chunk)
    return fold_nodes(frontier)


def _check_signature(verdict: Verdict, path: Path, content: bytes, reports_key: PublicKey) -> None:
    name, public_key = reports_key
    if verdict.format == "pdf":
        verdict.signature, problems = pades.signature_problems(content, name, public_key)
        verdict.problems += problems
        return
    sig_path = detached.signature_path(path)
    if not sig_path.exists():
        verdict.notes.append(f"no detached signature beside it ({sig_path.name}): who issued the file is not checked, "
                             "only what it says")
        return
    problem = detached.signature_problem(content, sig_path.read_bytes(), name, public_key)
    verdict.signature = pades.INVALID if problem else pades.VALID
    if problem:
        verdict.problems.append(f"its detached signature {sig_path.name}: {problem}")


def _document_differences(view: View, expected: bytes, found: bytes) -> list[str]:
    """What differs between a Markdown or HTML report and its rebuild: each chart, then
    the first line of text (charts aside)."""
    want, got = expected.decode("utf-8"), found.decode("utf-8", "replace")
    problems = _chart_differences(view, _CHART_DATA.findall(want), _CHART_DATA.findall(got))
    text = _text_difference(_CHART_DATA.sub("data:…", want).splitlines(), _CHART_DATA.sub("data:…", got).splitlines())
    if text:
        problems.append(text)
    return problems or ["the document's bytes differ from the report the ledger gives (not in its text or charts)"]


def _pdf_differences(view: View, expected: bytes, found: bytes) -> list[str]:
    """What differs between a PDF report and its rebuild, when the bytes do: its chart
    images, then the first line of text."""
    problems = _chart_differences(view, _pdf_images(expected), _pdf_images(found))
    text = _text_difference(_pdf_lines(expected), _pdf_lines(found))
    if text:
        problems.append(text)
    return problems


def _chart_differences(view: View, want: list, got: list) -> list[str]:
    captions = [c.caption for c in view.charts]
    problems = []
    for i, (w, g) in enumerate(zip(want, got)):
        if w == g:
            continue
        label = f"chart {i + 1} ({_caption(captions, i)})"
        if g in want:
            j = want.index(g)
            problems.append(f"{label} shows the ledger's chart {j + 1} ({_caption(captions, j)})")
        else:
            problems.append(f"{label} differs from the ledger's")
    if len(want) != len(got):
        problems.append(f"the document has {len(got)} charts where the ledger's report has {len(want)}")
    return problems


def _caption(captions: list[str], i: int) -> str:
    return captions[i] if i < len(captions) else "no caption"


def _text_difference(want: list[str], got: list[str]) -> str | None:
    for number, (w, g) in enumerate(zip(want, got), start=1):
        if w != g:
            return (f"the document's text differs from the report the ledger gives, at line {number}: "
                    f"it reads {_around(g, w)!r} where the ledger's report reads {_around(w, g)!r}")
    if len(want) != len(got):
        return f"the document has {len(got)} lines of text where the ledger's report has {len(want)}"
    return None


def _pdf_lines(data: bytes) -> list[str]:
    from pypdf import PdfReader  # only verify reads PDFs; building a report does not need it

    reader = PdfReader(io.BytesIO(data))
    return [line for page in reader.pages for line in (page.extract_text() or "").splitlines()]


def _pdf_images(data: bytes) -> list[bytes]:
    """The decoded data of every image a PDF draws (its charts), in the order first drawn.
    WeasyPrint lists every image in every page's resources, so the pages' content streams
    say which one a page draws."""
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    seen, images = set(), []
    for page in reader.pages:
        contents = page.get_contents()
        resources = page.get("/Resources")
        xobjects = resources.get_object().get("/XObject") if resources is not None else None
        if contents is None or xobjects is None:
            continue
        xobjects = xobjects.get_object()
        for name in _DRAWN.findall(contents.get_data()):
            ref = xobjects.get("/" + name.decode("latin-1"))
            image = ref.get_object() if ref is not None else None
            key = getattr(ref, "idnum", None) or id(image)
            if image is None or image.get("/Subtype") != "/Image" or key in seen:
                continue
            seen.add(key)
            images.append(image.get_data())
    return images


def _around(text: str, other: str, context: int = 30) -> str:
    """The part of ``text`` around its first difference from ``other``."""
    at = next((i for i, (a, b) in enumerate(zip(text, other)) if a != b), min(len(text), len(other)))
    start, end = max(0, at - context), at + context
    return ("…" if start else "") + text[start:end] + ("…" if end < len(text) else "")
