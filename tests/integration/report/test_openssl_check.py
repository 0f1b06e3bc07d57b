"""docs/report.md's check of a Markdown report's `.sig` with OpenSSL, jq and xxd, run line
for line as the document shows it: a reader needs nothing of Tiến độ to check who issued a
report, and the key id the `.sig` names is the one the public key file gives."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import textwrap
from pathlib import Path

import pytest

from shared.keyfiles import REPORTS_KEY_NAME, ReportsKey, public_path

from services.report.build import write_report
from services.report.period import Period
from tests.unit.report.conftest import CUTOFF

REPORT_MD = Path(__file__).resolve().parents[3] / "docs" / "report.md"


def docs_check() -> str:
    """The shell lines docs/report.md gives for checking a `.sig`."""
    text = REPORT_MD.read_text("utf-8")
    after = text[text.index("Anyone can check a `.sig` without Tiến độ"):]
    block = re.search(r"```sh\n(.*?)\n *```", after, re.S)
    assert block, "docs/report.md shows no shell block after 'Anyone can check a `.sig`'"
    return textwrap.dedent(block.group(1))


@pytest.fixture(scope="module")
def reader_dir(builder, tmp_path_factory) -> Path:
    """What a reader holds: the Q2 Markdown report, its .sig and the reports key's public
    key file (the one `report build` writes), under the names the document uses."""
    keys = tmp_path_factory.mktemp("keys")
    key = ReportsKey.create(keys / "reports.key.pem", REPORTS_KEY_NAME)
    report = builder.report(Period.parse("2025-Q2"), builder.cutoff_at(CUTOFF))
    out = tmp_path_factory.mktemp("reader")
    written = write_report(report, "vi", ["md"], out, key)["md"]
    assert written.path.name == "tiendo-2025-Q2-vi.md" and written.signature.name == "tiendo-2025-Q2-vi.md.sig"
    shutil.copyfile(public_path(keys / "reports.key.pem"), out / "reports.pub.pem")
    return out


def run_check(directory: Path) -> subprocess.CompletedProcess:
    for tool in ("openssl", "jq", "xxd", "sha256sum"):
        assert shutil.which(tool), f"{tool} is needed for docs/report.md's check (`make deps` installs it)"
    return subprocess.run(["bash", "-c", docs_check()], cwd=directory, capture_output=True, text=True, timeout=60)


def test_the_documented_openssl_check_verifies_a_reports_sig_and_its_key_id(reader_dir):
    done = run_check(reader_dir)
    assert done.returncode == 0, done.stdout + done.stderr
    key_id, verdict = done.stdout.splitlines()
    assert verdict == "Verified OK"
    sig = json.loads((reader_dir / "tiendo-2025-Q2-vi.md.sig").read_text())
    assert (sig["alg"], sig["key_id"]) == ("ES256", f"{REPORTS_KEY_NAME}+{key_id}")


def test_the_documented_openssl_check_fails_on_a_changed_report(reader_dir, tmp_path):
    for name in ("tiendo-2025-Q2-vi.md", "tiendo-2025-Q2-vi.md.sig", "reports.pub.pem"):
        shutil.copyfile(reader_dir / name, tmp_path / name)
    report = tmp_path / "tiendo-2025-Q2-vi.md"
    original = report.read_bytes()
    report.write_bytes(original.replace("Quý II".encode(), "Quý I".encode(), 1))
    assert report.read_bytes() != original
    done = run_check(tmp_path)
    assert done.returncode == 1, done.stdout + done.stderr
    assert done.stdout.splitlines()[-1] == "Verification failure"
