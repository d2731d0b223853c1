"""Delivers pending emails over SMTP (F-61): once each, retried with backoff while the mail server refuses.

Woken right after a commit that queued emails, plus a periodic pass for retries and for rows left by a
crashed replica. Each email is claimed with FOR UPDATE SKIP LOCKED in its own short transaction, so several
replicas share the work and never send the same row at the same time. Should a replica die between the
server's acceptance and the commit, the email is sent again with the same Message-ID, which lets the
receiving side drop the copy."""

import asyncio
import logging
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, formataddr

import aiosmtplib
from sqlalchemy import func, or_, select

from notifications.emails.models import FAILED, PENDING, SENT, Email, EmailAttempt
from notifications.settings import Settings
from shared.db import Database, utcnow
from shared.metrics import EMAILS

log = logging.getLogger(__name__)


class EmailSender:
    def __init__(self, db: Database, settings: Settings, pending: asyncio.Event, *, batch: int = 50) -> None:
        self.db, self.settings, self.pending, self.batch = db, settings, pending, batch
        self._task: asyncio.Task | None = None
        self._stopping = False
        # While the server cannot be reached at all, passes pause (same backoff) instead of trying every row.
        self._connection_failures = 0
        self._server_retry_at: datetime | None = None
        self._smtp: aiosmtplib.SMTP | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="email-sender")

    async def stop(self) -> None:
        # The flag and the wake-up as well as the cancel: Python 3.11's wait_for swallows a cancel that races
        # the event it waits for (a commit at shutdown), and the loop would then go on.
        self._stopping = True
        if self._task:
            self._task.cancel()
            self.pending.set()
            await asyncio.gather(self._task, return_exceptions=True)

    async def _run(self) -> None:
        while not self._stopping:
            self.pending.clear()
            try:
                handled = await self.send_due()
                wait = 0.0 if handled >= self.batch else await self._seconds_until_next_due()
                wait = max(wait, self._seconds_until_server_retry())
            except Exception:
                log.exception("email sender pass failed")
                wait = self.settings.email_idle_interval_seconds
            if wait > 0:
                try:
                    await asyncio.wait_for(self.pending.wait(), wait)
                except TimeoutError:
                    pass

    async def _seconds_until_next_due(self) -> float:
        """Until the next retry falls due. Rows due already but not claimed are locked by another replica's pass:
        that replica sends them (or, should it die, the periodic pass finds them), so they are no reason to spin."""
        now = utcnow()
        async with self.db.session() as session:
            next_due = await session.scalar(
                select(func.min(Email.next_attempt_at)).where(Email.status == PENDING, Email.next_attempt_at > now))
        idle = self.settings.email_idle_interval_seconds
        return idle if next_due is None else min(idle, max(0.0, (next_due - now).total_seconds()))

    def _seconds_until_server_retry(self) -> float:
        if self._server_retry_at is None:
            return 0.0
        return max(0.0, (self._server_retry_at - utcnow()).total_seconds())

    async def send_due(self) -> int:
        """Try every due email once (up to a batch); returns how many were tried. One SMTP connection per pass."""
        tried = 0
        try:
            while tried < self.batch:
                async with self.db.session() as session, session.begin():
                    email = await session.scalar(
                        select(Email).where(Email.status == PENDING,
                                            or_(Email.next_attempt_at.is_(None), Email.next_attempt_at <= utcnow()))
                        .order_by(Email.next_attempt_at, Email.created_at).limit(1)
                        .with_for_update(skip_locked=True))
                    if email is None:
                        return tried
                    tried += 1
                    session.add(attempt := await self._attempt(email))
                    if attempt.outcome != "sent" and self._server_retry_at is not None:
                        return tried  # the server cannot be reached: the other rows wait for its backoff
            return tried
        finally:
            await self._disconnect()

    async def _attempt(self, email: Email) -> EmailAttempt:
        """Send one email over the pass's connection (opened on demand); the attempt, whatever its outcome."""
        try:
            message = self.message(email)
        except (ValueError, TypeError) as exc:  # e.g. a line break in an address: it can never be sent
            return self._failed(email, exc, permanent=True)
        if self._smtp is None or not self._smtp.is_connected:
            try:
                self._smtp = await self._connect()
            except (aiosmtplib.SMTPException, OSError) as exc:
                self._server_unreachable()
                return self._failed(email, exc)
        try:
            await self._smtp.send_message(message)
        except (aiosmtplib.SMTPException, OSError) as exc:
            await self._disconnect()  # start the next email on a fresh connection
            return self._failed(email, exc)
        return self._sent(email)

    async def _disconnect(self) -> None:
        """Close the connection politely, or drop it when the server is already gone."""
        smtp, self._smtp = self._smtp, None
        if smtp is not None and smtp.is_connected:
            try:
                await smtp.quit()
            except (aiosmtplib.SMTPException, OSError):
                smtp.close()

    async def _connect(self) -> aiosmtplib.SMTP:
        s = self.settings
        smtp = aiosmtplib.SMTP(hostname=s.smtp_host, port=s.smtp_port, username=s.smtp_username or None,
                               password=s.smtp_password or None, start_tls=s.smtp_starttls,
                               timeout=s.smtp_timeout_seconds)
        try:
            await smtp.connect()  # also STARTTLS and login, as configured
        except BaseException:
            smtp.close()
            raise
        self._connection_failures, self._server_retry_at = 0, None
        return smtp

    def _server_unreachable(self) -> None:
        self._connection_failures += 1
        self._server_retry_at = utcnow() + self.backoff(self._connection_failures)

    def message(self, email: Email) -> EmailMessage:
        """The MIME message: plain text with an HTML alternative, the same Message-ID on every attempt."""
        message = EmailMessage()
        message["From"] = self.settings.mail_from
        message["To"] = formataddr((email.recipient_name, email.recipient))
        message["Subject"] = email.subject
        message["Date"] = format_datetime(email.created_at)
        message["Message-ID"] = email.message_id
        message["Content-Language"] = email.language
        message["Auto-Submitted"] = "auto-generated"  # RFC 3834: auto-responders do not answer it
        message.set_content(email.text_body)
        message.add_alternative(email.html_body, subtype="html")
        return message

    def _sent(self, email: Email) -> EmailAttempt:
        now = utcnow()
        email.status, email.sent_at, email.next_attempt_at = SENT, now, None
        email.attempts += 1
        EMAILS.labels(email.kind, "sent").inc()
        log.info("email %s (%s) sent to %s", email.id, email.kind, email.recipient,
                 extra={"fields": {"email_id": email.id, "attempt": email.attempts}})
        return EmailAttempt(email_id=email.id, attempted_at=now, outcome="sent")

    def _failed(self, email: Email, exc: BaseException, *, permanent: bool = False) -> EmailAttempt:
        now = utcnow()
        email.attempts += 1
        email.last_error = _describe(exc)
        if permanent or now - email.created_at > timedelta(hours=self.settings.email_give_up_after_hours):
            email.status, email.next_attempt_at, outcome = FAILED, None, "failed"
            log.error("email %s (%s) to %s given up after %d attempts: %s", email.id, email.kind,
                      email.recipient, email.attempts, email.last_error)
        else:
            email.next_attempt_at, outcome = now + self.backoff(email.attempts), "retry"
            log.warning("email %s (%s) to %s not accepted (attempt %d), retrying at %s: %s", email.id,
                        email.kind, email.recipient, email.attempts, _iso(email.next_attempt_at), email.last_error)
        EMAILS.labels(email.kind, outcome).inc()
        return EmailAttempt(email_id=email.id, attempted_at=now, outcome=outcome, error=email.last_error)

    def backoff(self, attempts: int) -> timedelta:
        s = self.settings
        return timedelta(seconds=min(s.email_retry_max_seconds, s.email_retry_base_seconds * 2 ** (attempts - 1)))


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:1000]


def _iso(value: datetime | None) -> str:
    return value.isoformat() if value else "-"
