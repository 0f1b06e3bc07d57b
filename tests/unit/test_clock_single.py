"""One clock: "now" and "today in Vietnam" are read in shared/clock.py only, and Vietnam's
zone is defined once (shared/domain/temporal.py's VIETNAM_TZ, which the domain parses
dates with). The tree is grepped, so a second definition anywhere fails the suite."""

from __future__ import annotations

import re
from datetime import date, datetime, timezone
from pathlib import Path

from shared import clock
from shared.domain.temporal import VIETNAM_TZ

ROOT = Path(__file__).resolve().parents[2]
SEARCHED = ("shared", "services", "bench", "chaos", "scripts")

# What reads the clock or defines a zone for Vietnam, and the one file each may be in.
SECOND_CLOCKS = {
    r"datetime\.now\(|datetime\.utcnow\(|date\.today\(\)|time\.localtime\(": "shared/clock.py",
    r"ZoneInfo\(|Asia/Ho_Chi_Minh|hours\s*=\s*7\b|7\s*\*\s*3600|25200|VIETNAM_TZ\s*=":
        "shared/domain/temporal.py",
}


def second_definitions(root: Path) -> list[str]:
    """``path:line: text`` of every clock read or Vietnam zone outside its one file."""
    found = []
    for top in SEARCHED:
        for path in sorted((root / top).rglob("*.py")):
            rel = path.relative_to(root).as_posix()
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                for pattern, home in SECOND_CLOCKS.items():
                    if rel != home and re.search(pattern, line):
                        found.append(f"{rel}:{number}: {line.strip()}")
    return found


def test_the_clock_and_the_zone_are_defined_once():
    assert second_definitions(ROOT) == [], "use shared.clock (utc_now, vietnam_today, vietnam_day) and VIETNAM_TZ"


def test_the_grep_finds_a_second_definition(tmp_path):
    (tmp_path / "chaos").mkdir()
    (tmp_path / "chaos" / "corpus.py").write_text(
        'from zoneinfo import ZoneInfo\nVIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")\n'
        "today = datetime.now(VIETNAM).date()\nICT = timezone(timedelta(hours=7))\n", encoding="utf-8")
    assert [hit.split(":")[1] for hit in second_definitions(tmp_path)] == ["2", "3", "4"]


def test_today_in_vietnam_turns_at_midnight_in_hanoi_not_in_greenwich():
    assert VIETNAM_TZ.utcoffset(None).total_seconds() == 7 * 60 * 60
    assert clock.vietnam_day(datetime(2025, 6, 30, 16, 59, tzinfo=timezone.utc)) == date(2025, 6, 30)
    assert clock.vietnam_day(datetime(2025, 6, 30, 17, 0, tzinfo=timezone.utc)) == date(2025, 7, 1)
    assert clock.vietnam_day(datetime(2025, 6, 30, 17, 0)) == date(2025, 7, 1)  # naive: taken as UTC (SQLite)
    before, today, after = clock.vietnam_day(clock.utc_now()), clock.vietnam_today(), clock.vietnam_day(clock.utc_now())
    assert today in (before, after)  # midnight may pass in between
    assert clock.utc_now().utcoffset().total_seconds() == 0
