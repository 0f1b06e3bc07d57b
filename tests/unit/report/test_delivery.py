"""Issued reports e-mailed to their subscribers through a real SMTP server on 127.0.0.1
(aiosmtpd, in this process): the PDF attached and the link, a refusal recorded with the
server's answer and tried again after its backoff, STARTTLS with credentials."""

from __future__ import annotations

import email
import email.policy
import ipaddress
import json
import socket
import ssl
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from click.testing import CliRunner
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from shared.config import MailSettings, Settings
from shared.db.deliveries import DeliveryStore
from shared.db.engine import make_engine, migrate
from shared.db.report_queries import ReportRecord, ReportStore

from services.cli import main
from services.report.delivery import FIRST_RETRY, Deliverer, attachments
from services.report.period import Period
from services.report.worker import ReportWorker
from tests.fakes import FakeBroker

PDF = b"%PDF-1.7\n% a signed report stands in here\n%%EOF\n"
T0 = datetime(2025, 7, 1, 2, 0, tzinfo=timezone.utc)


class Inbox:
    """An aiosmtpd handler that keeps what it accepts and refuses what it is told to."""

    def __init__(self) -> None:
        self.received: list[email.message.EmailMessage] = []
        self.refuse: str | None = None
        self.unknown: set[str] = set()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.unknown:
            return f"550 5.1.1 <{address}>: Recipient address rejected: User unknown"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.refuse:
            return self.refuse
        self.received.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 2.0.0 OK"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    yield inbox, controller.port
    controller.stop()


@pytest.fixture(scope="module")
def database_url(tmp_path_factory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'tiendo.db'}"
    migrate(url)
    return url


@pytest.fixture(scope="module")
def engine(database_url):
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def stores(engine):
    with engine.begin() as conn:
        for table in ("report_deliveries", "report_subscriptions", "reports"):
            conn.exec_driver_sql(f"DELETE FROM {table}")
    return DeliveryStore(engine), ReportStore(engine)


def issue(reports: ReportStore, tmp_path, period: str = "2025-Q2", lang: str = "vi") -> int:
    """A report claimed and built, as the worker records one, its PDF on disk."""
    pdf = tmp_path / f"tiendo-{period}-{lang}.pdf"
    pdf.write_bytes(PDF)
    record = reports.claim(period, lang, T0, 10, 0)
    reports.mark_built(record.id, {"pdf": {"path": str(pdf), "sha256": "0" * 64}}, None)
    return record.id


class Clock:
    def __init__(self) -> None:
        self.at = T0

    def __call__(self) -> datetime:
        return self.at


def test_an_issued_report_reaches_each_subscriber_in_its_language_once(stores, smtp, tmp_path):
    deliveries, reports = stores
    inbox, port = smtp
    deliveries.subscribe("lanh.dao@chinhphu.vn", role="leadership", agency_id=None, lang="vi", now=T0)
    deliveries.subscribe("vanphong@bocongan.gov.vn", role=None, agency_id="BCA", lang="vi", now=T0)
    deliveries.subscribe("auditor@example.org", role="auditor", agency_id=None, lang="en", now=T0)
    issue(reports, tmp_path, lang="vi")
    issue(reports, tmp_path, lang="en")
    mail = MailSettings(host="127.0.0.1", port=port, starttls=False, sender="tiendo@chinhphu.vn",
                        web_url="https://tiendo.example.vn")
    deliverer = Deliverer(deliveries, reports, mail, now=Clock())

    stats = deliverer.run_once()
    assert stats.scheduled == 3 and len(stats.sent) == 3 and not stats.failed
    by_to = {m["To"]: m for m in inbox.received}
    assert sorted(by_to) == ["auditor@example.org", "lanh.dao@chinhphu.vn", "vanphong@bocongan.gov.vn"]
    vi = by_to["lanh.dao@chinhphu.vn"]
    assert vi["Subject"] == "Báo cáo tiến độ chuyển đổi số: Quý II/2025"
    assert "số liệu tính đến hết ngày 30/06/2025" in vi.get_body(("plain",)).get_content()
    assert "https://tiendo.example.vn/reports" in vi.get_body(("plain",)).get_content()
    [pdf] = list(vi.iter_attachments())
    assert pdf.get_filename() == "tiendo-2025-Q2-vi.pdf" and pdf.get_content() == PDF
    en = by_to["auditor@example.org"]
    assert en["Subject"] == "Digital transformation progress report: Q2 2025"
    assert [a.get_filename() for a in en.iter_attachments()] == ["tiendo-2025-Q2-en.pdf"]

    # Once: a later round schedules and sends nothing more.
    again = deliverer.run_once()
    assert again.scheduled == 0 and not again.sent and len(inbox.received) == 3
    assert {(d.email, d.status, d.attempts) for d in deliveries.deliveries()} == {
        ("lanh.dao@chinhphu.vn", "sent", 1), ("vanphong@bocongan.gov.vn", "sent", 1),
        ("auditor@example.org", "sent", 1)}


def test_the_report_worker_mails_what_was_issued_after_its_round(stores, smtp, tmp_path):
    deliveries, reports = stores
    inbox, port = smtp
    deliveries.subscribe("lanh.dao@chinhphu.vn", role="leadership", agency_id=None, lang="vi", now=T0)
    issue(reports, tmp_path)  # as `report build --issue` records it: the worker announces and mails it
    mail = MailSettings(host="127.0.0.1", port=port, starttls=False)
    settings = Settings(database_url="sqlite://", kafka_bootstrap_servers="-", topic_prefix="t", data_dir=tmp_path,
                        mail=mail)
    # Nothing falls due by 01/07/2025 from July on, so the worker builds nothing (no builder, no key).
    worker = ReportWorker(settings, FakeBroker(), builder=None, store=reports, out_dir=tmp_path,
                          since=Period.parse("2025-07"), today=lambda: T0.date(), key=object(),
                          deliverer=Deliverer(deliveries, reports, mail, now=Clock()))
    stats = worker.run_once()
    assert (stats.announced, stats.mailed, stats.mail_failed) == (1, 1, 0)
    assert [m["To"] for m in inbox.received] == ["lanh.dao@chinhphu.vn"]


def test_report_deliver_sends_what_is_due(stores, smtp, database_url, tmp_path):
    deliveries, reports = stores
    inbox, port = smtp
    deliveries.subscribe("lanh.dao@chinhphu.vn", role="leadership", agency_id=None, lang="vi", now=T0)
    issue(reports, tmp_path)
    env = {"DATABASE_URL": database_url, "TIENDO_DATA_DIR": str(tmp_path), "TIENDO_SMTP_HOST": "127.0.0.1",
           "TIENDO_SMTP_PORT": str(port), "TIENDO_SMTP_STARTTLS": "false"}
    result = CliRunner(env=env).invoke(main, ["report", "deliver", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == {"scheduled": 1, "sent": ["2025-Q2/vi → lanh.dao@chinhphu.vn"], "failed": []}
    assert [m["To"] for m in inbox.received] == ["lanh.dao@chinhphu.vn"]


def test_a_refusal_is_recorded_with_the_answer_and_retried_after_its_backoff(stores, smtp, tmp_path):
    deliveries, reports = stores
    inbox, port = smtp
    deliveries.subscribe("lanh.dao@chinhphu.vn", role="leadership", agency_id=None, lang="vi", now=T0)
    issue(reports, tmp_path)
    clock = Clock()
    deliverer = Deliverer(deliveries, reports, MailSettings(host="127.0.0.1", port=port, starttls=False), now=clock)
    inbox.refuse = "550 5.7.1 Message rejected by policy"

    assert len(deliverer.run_once().failed) == 1
    [failed] = deliveries.deliveries()
    assert (failed.status, failed.attempts, failed.last_error) == ("failed", 1, "550 5.7.1 Message rejected by policy")
    assert failed.next_attempt_at == T0 + FIRST_RETRY

    clock.at = T0 + FIRST_RETRY - timedelta(seconds=1)  # not due yet
    assert deliverer.run_once().failed == [] and inbox.received == []
    clock.at = T0 + FIRST_RETRY
    assert len(deliverer.run_once().failed) == 1  # refused again: the wait doubles
    assert deliveries.deliveries()[0].next_attempt_at == T0 + 3 * FIRST_RETRY

    inbox.refuse = None
    clock.at = T0 + 3 * FIRST_RETRY
    assert len(deliverer.run_once().sent) == 1
    [sent] = deliveries.deliveries()
    assert (sent.status, sent.attempts, sent.sent_at, sent.next_attempt_at) == ("sent", 3, clock.at, None)
    assert [m["To"] for m in inbox.received] == ["lanh.dao@chinhphu.vn"]


def test_one_unknown_recipient_does_not_hold_back_the_others(stores, smtp, tmp_path):
    deliveries, reports = stores
    inbox, port = smtp
    inbox.unknown = {"nghi.huu@chinhphu.vn"}
    deliveries.subscribe("nghi.huu@chinhphu.vn", role="leadership", agency_id=None, lang="vi", now=T0)
    deliveries.subscribe("lanh.dao@chinhphu.vn", role="leadership", agency_id=None, lang="vi", now=T0)
    issue(reports, tmp_path)
    stats = Deliverer(deliveries, reports, MailSettings(host="127.0.0.1", port=port, starttls=False),
                      now=Clock()).run_once()
    assert (len(stats.sent), len(stats.failed)) == (1, 1)
    by_email = {d.email: d for d in deliveries.deliveries()}
    assert by_email["nghi.huu@chinhphu.vn"].last_error == (
        "550 5.1.1 <nghi.huu@chinhphu.vn>: Recipient address rejected: User unknown")
    assert [m["To"] for m in inbox.received] == ["lanh.dao@chinhphu.vn"]


def test_an_unreachable_server_fails_the_round_and_retry_makes_it_due_now(stores, tmp_path):
    deliveries, reports = stores
    deliveries.subscribe("lanh.dao@chinhphu.vn", role="leadership", agency_id=None, lang="vi", now=T0)
    deliveries.subscribe("pho.ban@chinhphu.vn", role="leadership", agency_id=None, lang="vi", now=T0)
    issue(reports, tmp_path)
    clock = Clock()
    closed = MailSettings(host="127.0.0.1", port=_free_port(), starttls=False)
    assert len(Deliverer(deliveries, reports, closed, now=clock).run_once().failed) == 2
    assert all(d.last_error.startswith("ConnectionRefusedError") for d in deliveries.deliveries())

    assert deliveries.retry(clock.at) == 2
    assert len(deliveries.due(clock.at)) == 2


def test_an_english_subscriber_gets_the_vietnamese_report_when_no_english_one_is_issued(stores, smtp, tmp_path):
    deliveries, reports = stores
    inbox, port = smtp
    deliveries.subscribe("auditor@example.org", role="auditor", agency_id=None, lang="en", now=T0)
    issue(reports, tmp_path, period="2025-Q2", lang="vi")
    deliverer = Deliverer(deliveries, reports, MailSettings(host="127.0.0.1", port=port, starttls=False),
                          now=Clock())
    assert len(deliverer.run_once().sent) == 1
    [message] = inbox.received
    assert message["Subject"] == "Digital transformation progress report: Q2 2025"
    assert "no English edition of this report was issued" in message.get_body(("plain",)).get_content()
    assert [a.get_filename() for a in message.iter_attachments()] == ["tiendo-2025-Q2-vi.pdf"]

    issue(reports, tmp_path, period="2025-Q2", lang="en")  # the English edition, issued later, follows
    assert len(deliverer.run_once().sent) == 1
    assert [a.get_filename() for a in inbox.received[1].iter_attachments()] == ["tiendo-2025-Q2-en.pdf"]
    assert "no English edition" not in inbox.received[1].get_body(("plain",)).get_content()


def test_no_smtp_host_leaves_the_deliveries_pending(stores, tmp_path):
    deliveries, reports = stores
    deliveries.subscribe("lanh.dao@chinhphu.vn", role="leadership", agency_id=None, lang="vi", now=T0)
    issue(reports, tmp_path)
    stats = Deliverer(deliveries, reports, MailSettings(), now=Clock()).run_once()
    assert stats.scheduled == 1 and not stats.sent
    assert [d.status for d in deliveries.deliveries()] == ["pending"]


def test_a_subscriber_gets_only_reports_issued_after_subscribing(stores, tmp_path):
    deliveries, reports = stores
    issue(reports, tmp_path)
    deliveries.subscribe("moi@chinhphu.vn", role="leadership", agency_id=None, lang="vi",
                         now=datetime.now(timezone.utc) + timedelta(seconds=1))
    assert deliveries.schedule(T0) == 0


def _self_signed(tmp_path) -> tuple[str, str]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.now(timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(minutes=1))
            .not_valid_after(now + timedelta(hours=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = tmp_path / "smtp.crt", tmp_path / "smtp.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return str(cert_path), str(key_path)


def test_starttls_with_credentials(stores, tmp_path):
    deliveries, reports = stores
    cert, key = _self_signed(tmp_path)
    server_tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_tls.load_cert_chain(cert, key)
    logins: list[tuple[bytes, bytes]] = []

    def authenticator(server, session, envelope, mechanism, auth_data):
        assert isinstance(auth_data, LoginPassword)
        logins.append((auth_data.login, auth_data.password))
        return AuthResult(success=auth_data.password == b"m\xe1\xba\xadt kh\xe1\xba\xa9u")  # "mật khẩu"

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port(), tls_context=server_tls,
                            require_starttls=True, auth_required=True, authenticator=authenticator)
    controller.start()
    try:
        deliveries.subscribe("lanh.dao@chinhphu.vn", role="leadership", agency_id=None, lang="vi", now=T0)
        issue(reports, tmp_path)
        mail = MailSettings(host="127.0.0.1", port=controller.port, starttls=True, username="tiendo",
                            password="mật khẩu", ca_file=cert)
        assert len(Deliverer(deliveries, reports, mail, now=Clock()).run_once().sent) == 1
    finally:
        controller.stop()
    assert logins == [(b"tiendo", "mật khẩu".encode())]
    assert [m["To"] for m in inbox.received] == ["lanh.dao@chinhphu.vn"]


def test_smtp_settings_from_the_environment():
    mail = MailSettings.from_env({"TIENDO_SMTP_HOST": "smtp.chinhphu.vn", "TIENDO_SMTP_USERNAME": "tiendo",
                                  "TIENDO_SMTP_PASSWORD": "bí mật", "TIENDO_SMTP_FROM": "tiendo@chinhphu.vn",
                                  "TIENDO_WEB_URL": "https://tiendo.chinhphu.vn/"})
    assert (mail.host, mail.port, mail.starttls, mail.username, mail.sender, mail.web_url) == (
        "smtp.chinhphu.vn", 587, True, "tiendo", "tiendo@chinhphu.vn", "https://tiendo.chinhphu.vn")
    assert "bí mật" not in repr(mail)
    assert MailSettings.from_env({}).host is None
    with pytest.raises(ValueError, match="in clear"):
        MailSettings.from_env({"TIENDO_SMTP_USERNAME": "tiendo", "TIENDO_SMTP_PASSWORD": "x",
                               "TIENDO_SMTP_STARTTLS": "false"})
    with pytest.raises(ValueError, match="true or false"):
        MailSettings.from_env({"TIENDO_SMTP_STARTTLS": "maybe"})


def test_a_report_without_a_pdf_is_mailed_with_its_signatures_and_charts(tmp_path):
    charts = tmp_path / "tiendo-2025-Q2-vi.charts"
    charts.mkdir()
    files = {"md": {"path": str(tmp_path / "tiendo-2025-Q2-vi.md"), "sha256": "0" * 64,
                    "signature": str(tmp_path / "tiendo-2025-Q2-vi.md.sig"),
                    "charts": [{"path": str(charts / f"chart-{i}.svg"), "sha256": "0" * 64} for i in (1, 2)]}}
    for f in (files["md"]["path"], files["md"]["signature"], *(c["path"] for c in files["md"]["charts"])):
        Path(f).write_bytes(b"<svg/>" if f.endswith(".svg") else b"# report\n")
    record = ReportRecord(id=1, period="2025-Q2", lang="vi", cutoff_at=T0, cutoff_seq=1, cutoff_dead_letter_id=0,
                          tree=None, files=files, claimed_at=T0, built_at=T0, published_at=None)
    assert [p.name for p in attachments(record)] == ["tiendo-2025-Q2-vi.md", "tiendo-2025-Q2-vi.md.sig",
                                                      "chart-1.svg", "chart-2.svg"]
