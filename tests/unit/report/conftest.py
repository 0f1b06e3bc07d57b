"""The known data set written once per test module into a SQLite ledger, and reports
built from it at one fixed cut-off."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from shared.keyfiles import LEDGER_KEY_NAME, REPORTS_KEY_NAME, ReportsKey

from services.report.build import ReportBuilder
from services.report.period import Period
from services.report.verify import PublicKeys
from tests.unit.report import dataset
from tests.unit.report.ledger import LedgerFile

# After every event was recorded and rejected (backdated to the day before): any build
# at this cut-off sees the whole data set.
RECORDED = datetime(2026, 1, 4, 9, 0, tzinfo=timezone.utc)
CUTOFF = datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc)


def write_dataset(ledger: LedgerFile) -> None:
    """Append the known events and dead letters, all recorded at RECORDED."""
    ledger.append(*dataset.events())
    for reason, original, agency in dataset.rejected():
        ledger.reject(reason, original, agency)
    ledger.backdate(RECORDED)


@pytest.fixture(scope="module")
def known(tmp_path_factory) -> LedgerFile:
    ledger = LedgerFile(tmp_path_factory.mktemp("ledger") / "ledger.db")
    write_dataset(ledger)
    yield ledger
    ledger.engine.dispose()


@pytest.fixture(scope="module")
def builder(known) -> ReportBuilder:
    return ReportBuilder(known.engine)


@pytest.fixture(scope="module")
def reports(builder):
    """period code -> report model at CUTOFF (built on first use)."""
    cache = {}

    def get(code: str):
        if code not in cache:
            cache[code] = builder.report(Period.parse(code), builder.cutoff_at(CUTOFF))
        return cache[code]

    return get


@pytest.fixture(scope="module")
def reports_key(tmp_path_factory) -> ReportsKey:
    """The key that signs the module's reports."""
    return ReportsKey.load_or_create(tmp_path_factory.mktemp("keys") / "reports.key.pem", REPORTS_KEY_NAME)


def public_keys(ledger: LedgerFile, reports: ReportsKey) -> PublicKeys:
    """What `report verify` checks a report of ``ledger`` against."""
    return PublicKeys(ledger=(LEDGER_KEY_NAME, ledger.ledger_key.public_key),
                      reports=(REPORTS_KEY_NAME, reports.public_key))
