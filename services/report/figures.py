"""The machine-readable figures every rendered report carries, and reading them back.

The block is the report model in plain JSON (see :func:`services.report.model.plain`)
plus the language and a format tag. Markdown keeps it in an HTML comment, HTML in a
``<script type="application/json">`` element, PDF as an embedded file. ``<``, ``>`` and
``&`` are written as JSON escapes, so no text an agency sent (a reporter's name, an
event id) can close the comment or the script element."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Any

from services.report.model import Report, plain

# 2: the cut-off carries its Merkle proof (``cutoff.tree``) in place of a head hash.
FORMAT = "tiendo-report-figures/2"
_BEFORE_PROOFS = "tiendo-report-figures/1"
PDF_ATTACHMENT = "tiendo-report-figures.json"
MD_START = "<!-- tiendo-report-figures"
MD_END = "-->"
HTML_ID = "tiendo-report-figures"
_HTML_BLOCK = re.compile(r'<script type="application/json" id="' + HTML_ID + r'">(.*?)</script>', re.S)
_MD_BLOCK = re.compile(re.escape(MD_START) + r"\n(.*?)\n" + re.escape(MD_END), re.S)


class NotAReport(ValueError):
    """The file carries no figures block of a Tiến độ report."""


def block(report: Report, lang: str) -> dict[str, Any]:
    """The figures block of a report rendered in ``lang``."""
    return {"format": FORMAT, "lang": lang, "report": plain(report)}


def to_json(data: dict[str, Any]) -> str:
    """Canonical JSON (sorted keys, one line) safe inside HTML and an HTML comment."""
    text = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")


def read_block(path: Path) -> tuple[str, dict[str, Any]]:
    """(document format — md, html or pdf —, figures block) of a rendered report."""
    suffix = path.suffix.lower().lstrip(".")
    if suffix == "pdf":
        return "pdf", _parse(_pdf_attachment(path.read_bytes()), path)
    text = path.read_text(encoding="utf-8")
    if suffix in ("html", "htm"):
        match = _HTML_BLOCK.search(text)
        return "html", _parse(match.group(1) if match else None, path)
    if suffix == "md":
        match = _MD_BLOCK.search(text)
        return "md", _parse(match.group(1) if match else None, path)
    raise NotAReport(f"{path}: not a report file (expected .md, .html or .pdf)")


def _pdf_attachment(data: bytes) -> str | None:
    if not data.startswith(b"%PDF-"):
        return None
    # Imported here: only reading a PDF back needs pypdf, not building one.
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        attached = PdfReader(io.BytesIO(data)).attachments.get(PDF_ATTACHMENT)
    except PdfReadError:
        return None
    return attached[0].decode("utf-8") if attached else None


def _parse(text: str | None, path: Path) -> dict[str, Any]:
    if text is None:
        raise NotAReport(f"{path}: no Tiến độ figures block found (was it built by `tiendo report build`?)")
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise NotAReport(f"{path}: the figures block is not valid JSON ({exc})") from None
    if isinstance(data, dict) and data.get("format") == _BEFORE_PROOFS:
        raise NotAReport(f"{path}: a report built before reports carried their Merkle proof ({_BEFORE_PROOFS}); "
                         "build it again to verify it")
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise NotAReport(f"{path}: unknown figures format (expected {FORMAT})")
    return data


def differences(expected: Any, found: Any, path: str = "") -> list[str]:
    """Where ``found`` differs from ``expected``, one line per differing value, named by
    its path in the block (``targets[3].completion``)."""
    if isinstance(expected, dict) and isinstance(found, dict):
        out = []
        for key in sorted(set(expected) | set(found), key=str):
            where = f"{path}.{key}" if path else str(key)
            if key not in found:
                out.append(f"{where}: missing from the report (the ledger gives {_show(expected[key])})")
            elif key not in expected:
                out.append(f"{where}: the report has {_show(found[key])}, the ledger has nothing")
            else:
                out.extend(differences(expected[key], found[key], where))
        return out
    if isinstance(expected, list) and isinstance(found, list):
        out = []
        for i, (e, f) in enumerate(zip(expected, found)):
            out.extend(differences(e, f, f"{path}[{i}]{_named(e)}"))
        if len(expected) != len(found):
            out.append(f"{path}: the report lists {len(found)} items, the ledger gives {len(expected)}")
        return out
    if expected != found or type(expected) is not type(found):
        return [f"{path}: the report says {_show(found)}, the ledger gives {_show(expected)}"]
    return []


def _named(item: Any) -> str:
    """" (ha-noi)" after a list index, when the item names an agency or a target."""
    if isinstance(item, dict):
        for key in ("agency_id", "target_id"):
            if isinstance(item.get(key), str):
                return f" ({item[key]})"
    return ""


def _show(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    return text if len(text) <= 80 else text[:77] + "…"
