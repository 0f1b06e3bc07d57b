"""E-mailing the issued reports to their subscribers (issue 17).

Each round (the report worker's, or `tiendo report deliver`) first schedules a pending
delivery for every built report and every subscriber in its language who subscribed
before it was built (shared/db/deliveries.py), then sends those due, each through the
configured SMTP server (STARTTLS and credentials from shared.config.MailSettings), in
the subscriber's language, the signed PDF attached and a link to the web view's reports.

A refusal is recorded with the server's answer and tried again later, each wait twice
the last (one minute, two, four, … at most six hours), until MAX_ATTEMPTS. Delivery is
at least once: a worker that stops between the server's acceptance and the record of it
sends that e-mail again on its next round."""

from __future__ import annotations

import base64
import logging
import smtplib
import ssl
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

from shared.clock import utc_now
from shared.config import MailSettings
from shared.db.deliveries import Delivery, DeliveryStore
from shared.db.report_queries import ReportRecord, ReportStore

from services.report.period import Period
from services.report.texts import Texts

log = logging.getLogger("tiendo.report.delivery")

FIRST_RETRY = timedelta(minutes=1)
LONGEST_WAIT = timedelta(hours=6)
MAX_ATTEMPTS = 12
# How long an attempt holds a delivery: another worker's round leaves it alone meanwhile.
LEASE = timedelta(minutes=10)


def next_attempt(attempts: int, failed_at: datetime) -> datetime | None:
    """When to try again after the ``attempts``-th failed attempt (None: give up)."""
    if attempts >= MAX_ATTEMPTS:
        return None
    return failed_at + min(FIRST_RETRY * 2 ** (attempts - 1), LONGEST_WAIT)


class SendFailed(Exception):
    """The server refused the message, or could not be reached: ``answer`` says how."""

    def __init__(self, answer: str) -> None:
        super().__init__(answer)
        self.answer = answer


def _answer(exc: Exception) -> str:
    """The server's answer in an exception of smtplib, as "550 5.1.1 …"."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return "; ".join(f"{code} {_text(msg)}" for code, msg in exc.recipients.values())
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"{exc.smtp_code} {_text(exc.smtp_error)}"
    return f"{type(exc).__name__}: {exc}"


def _text(message: bytes | str) -> str:
    return message.decode("utf-8", "replace") if isinstance(message, bytes) else str(message)


_SUBJECT = {"vi": "Báo cáo tiến độ chuyển đổi số: {period}", "en": "Digital transformation progress report: {period}"}
# An English subscriber gets the Vietnamese report of a period issued in Vietnamese only.
_NO_EDITION = " It is in Vietnamese: no English edition of this report was issued."
_BODY = {
    "vi": ("Kính gửi Quý vị,\n\n"
           "Tiến độ đã phát hành báo cáo {period} ({span}), số liệu tính đến hết ngày {as_of}.\n"
           "Báo cáo có chữ ký số được gửi kèm thư này ({files}).{edition}\n\n"
           "Xem và tải các báo cáo đã phát hành: {link}\n"
           "Kiểm tra chữ ký và số liệu của báo cáo: tiendo report verify {first}\n\n"
           "Thư được gửi tự động vì địa chỉ {email} đã đăng ký nhận báo cáo của Tiến độ. "
           "Để ngừng nhận, xin liên hệ quản trị viên hệ thống.\n"),
    "en": ("Dear recipient,\n\n"
           "Tiến độ has issued its report for {period} ({span}), with figures as of the end of {as_of}.\n"
           "The signed report is attached ({files}).{edition}\n\n"
           "View and download the issued reports: {link}\n"
           "Check the report's signature and figures: tiendo report verify {first}\n\n"
           "You receive this e-mail because {email} is subscribed to Tiến độ's reports. "
           "To stop receiving them, please contact the system's administrator.\n"),
}


def attachments(record: ReportRecord) -> list[Path]:
    """The files an e-mail carries: the signed PDF; a report built without one, its
    other formats with their detached signatures and the Markdown's chart files."""
    files = record.files or {}
    if "pdf" in files:
        return [Path(files["pdf"]["path"])]
    return [Path(p) for f in files.values()
            for p in (f["path"], f.get("signature"), *(c["path"] for c in f.get("charts", ()))) if p]


def compose(record: ReportRecord, delivery: Delivery, mail: MailSettings) -> EmailMessage:
    """The e-mail of ``record`` to ``delivery``'s subscriber, in its language."""
    t = Texts(delivery.lang)
    period = Period.parse(record.period)
    files = attachments(record)
    msg = EmailMessage()
    msg["Subject"] = _SUBJECT[delivery.lang].format(period=t.period(period))
    msg["From"] = mail.sender
    msg["To"] = delivery.email
    msg["Date"] = formatdate(localtime=False)
    # The sender's domain, not make_msgid's default (this host's name, looked up in the DNS).
    msg["Message-ID"] = make_msgid(idstring=f"report-{record.id}-{delivery.subscription_id}",
                                   domain=mail.sender.rpartition("@")[2] or "localhost")
    msg.set_content(_BODY[delivery.lang].format(
        period=t.period(period), span=t.span(period), as_of=t.day(period.end), email=delivery.email,
        files=", ".join(f.name for f in files), edition=_NO_EDITION if record.lang != delivery.lang else "",
        first=files[0].name if files else "", link=f"{mail.web_url}/reports"))
    for path in files:
        subtype = {"pdf": "pdf", "html": "html", "md": "markdown", "svg": "svg+xml"}.get(path.suffix.lstrip("."),
                                                                                      "octet-stream")
        maintype = {"html": "text", "markdown": "text", "svg+xml": "image"}.get(subtype, "application")
        msg.add_attachment(path.read_bytes(), maintype=maintype, subtype=subtype, filename=path.name)
    return msg


def _login(smtp: smtplib.SMTP, username: str, password: str) -> None:
    """Log in; a name or password beyond ASCII (which smtplib's login refuses to encode)
    through AUTH PLAIN, whose credentials are UTF-8 (RFC 4616)."""
    if (username + password).isascii():
        smtp.login(username, password)
        return
    smtp.ehlo_or_helo_if_needed()
    token = base64.b64encode(f"\0{username}\0{password}".encode("utf-8")).decode("ascii")
    code, answer = smtp.docmd("AUTH", f"PLAIN {token}")
    if code != 235:
        raise smtplib.SMTPAuthenticationError(code, answer)


class Mailer:
    """One SMTP session for a round of e-mails: opened on the first, closed at the end.
    When the server cannot be reached, every e-mail of the round fails with that reason
    rather than waiting for the connection timeout again."""

    def __init__(self, mail: MailSettings) -> None:
        self.mail = mail
        self._smtp: smtplib.SMTP | None = None
        self._unreachable: str | None = None

    def send(self, msg: EmailMessage) -> None:
        """Hand ``msg`` to the server; SendFailed with its answer when it refuses."""
        if self._unreachable:
            raise SendFailed(self._unreachable)
        smtp = self._smtp or self._connect()
        try:
            smtp.send_message(msg)
        except (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused, smtplib.SMTPDataError) as exc:
            raise SendFailed(_answer(exc)) from None  # the session stays usable for the next one
        except (smtplib.SMTPException, OSError) as exc:
            self.close()
            raise SendFailed(_answer(exc)) from None

    def _connect(self) -> smtplib.SMTP:
        m = self.mail
        try:
            smtp = smtplib.SMTP(m.host, m.port, timeout=m.timeout_s)
            try:
                if m.starttls:
                    smtp.starttls(context=ssl.create_default_context(cafile=str(m.ca_file) if m.ca_file else None))
                if m.username:
                    _login(smtp, m.username, m.password or "")
            except BaseException:
                smtp.close()
                raise
        except (smtplib.SMTPException, OSError) as exc:
            self._unreachable = _answer(exc)
            raise SendFailed(self._unreachable) from None
        self._smtp = smtp
        return smtp

    def close(self) -> None:
        """End the session (politely; a dead one is just dropped)."""
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (smtplib.SMTPException, OSError):
                self._smtp.close()
            self._smtp = None


@dataclass
class DeliveryStats:
    """What a round did: deliveries scheduled, e-mails sent, attempts that failed."""

    scheduled: int = 0
    sent: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


class Deliverer:
    """Schedules and sends the e-mails of issued reports."""

    def __init__(self, deliveries: DeliveryStore, reports: ReportStore, mail: MailSettings,
                 now: Callable[[], datetime] = utc_now) -> None:
        self.deliveries = deliveries
        self.reports = reports
        self.mail = mail
        self.now = now

    def run_once(self) -> DeliveryStats:
        """Schedule what was issued, then send every e-mail due. Without an SMTP host
        (TIENDO_SMTP_HOST) nothing is sent: the deliveries wait, pending."""
        stats = DeliveryStats(scheduled=self.deliveries.schedule(self.now()))
        if not self.mail.host:
            if stats.scheduled:
                log.warning("%d e-mails of issued reports wait: TIENDO_SMTP_HOST is not set", stats.scheduled)
            return stats
        due = self.deliveries.due(self.now())
        if not due:
            return stats
        mailer = Mailer(self.mail)
        records: dict[int, ReportRecord] = {}
        try:
            for delivery in due:
                if not self.deliveries.claim(delivery, self.now() + LEASE):
                    continue  # another worker has it
                if delivery.report_id not in records:
                    records[delivery.report_id] = self.reports.get(delivery.report_id)
                self._attempt(mailer, records[delivery.report_id], delivery, stats)
        finally:
            mailer.close()
        return stats

    def _attempt(self, mailer: Mailer, record: ReportRecord, delivery: Delivery, stats: DeliveryStats) -> None:
        label = f"{record.period}/{record.lang} → {delivery.email}"
        try:
            mailer.send(compose(record, delivery, self.mail))
        except (SendFailed, OSError) as exc:  # OSError: an attachment gone from the disk
            answer = exc.answer if isinstance(exc, SendFailed) else f"{type(exc).__name__}: {exc}"
            retry_at = next_attempt(delivery.attempts + 1, self.now())
            self.deliveries.mark_failed(delivery.id, answer, retry_at)
            log.warning("e-mail %s failed (%s); %s", label, answer,
                        f"next attempt {retry_at.isoformat()}" if retry_at else "given up")
            stats.failed.append(label)
            return
        self.deliveries.mark_sent(delivery.id, self.now())
        stats.sent.append(label)
