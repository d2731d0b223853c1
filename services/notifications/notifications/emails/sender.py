"""Delivers pending emails over SMTP (F-61): once each, retried with backoff while the mail server refuses.

Woken right after a commit that queued emails, plus a periodic pass for retries and for rows left by a
crashed replica. A pass claims the due emails one at a time with FOR UPDATE SKIP LOCKED, sends it and records
the attempt in that short transaction, so several replicas share the work and never send the same row at the
same time, and an email the server accepted is recorded as sent before the next one is tried. Only when a
replica dies between the server's acceptance and that commit is one email sent again, with the same
Message-ID, which lets the receiving side drop the copy.

The SMTP connection stays open from one email to the next (and from one pass to the next) while there is work,
and is closed after `smtp_keepalive_seconds` without any; a kept connection the server has closed meanwhile is
replaced once before an email counts as refused. At 50 emails a second one connection and messages written
directly (see mime.py) keep the sender well ahead of the queue; with a connection per pass and EmailMessage
(~5 ms of CPU per email) it fell behind and emails waited seconds.

When to try is scheduled on the real clock (`wall_now`), as periodic jobs are; what happened when (created, sent,
attempted, given up after so long) is business time (`utcnow`, shared.clock). A test that moves business time back
so never leaves an email waiting for the moved clock to catch up."""

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import format_datetime
from typing import Any

import aiosmtplib
from sqlalchemy import ColumnElement, Integer, bindparam, func, insert, or_, select, update

from notifications.emails.mime import mime_message, sender_of
from notifications.emails.models import FAILED, PENDING, SENT, Email, EmailAttempt
from notifications.settings import Settings
from shared.clock import wall_now
from shared.db import Database, utcnow
from shared.metrics import EMAILS

log = logging.getLogger(__name__)

# Core statements built once: the ORM's identity map and unit of work cost more CPU than the rest of a send.
EMAIL, ATTEMPT = Email.__table__, EmailAttempt.__table__


def due(emails: Any) -> ColumnElement[bool]:
    """Whether an email of `emails` (the table or an alias of it) is to be tried by `now`, if still pending."""
    return or_(
        emails.c.next_attempt_at.is_(None),
        emails.c.next_attempt_at <= bindparam("now", type_=EMAIL.c.created_at.type),
    )


CLAIM = (
    select(
        EMAIL.c.id,
        EMAIL.c.kind,
        EMAIL.c.recipient,
        EMAIL.c.recipient_name,
        EMAIL.c.language,
        EMAIL.c.subject,
        EMAIL.c.text_body,
        EMAIL.c.html_body,
        EMAIL.c.message_id,
        EMAIL.c.created_at,
        EMAIL.c.attempts,
        EMAIL.c.last_error,
    )
    .where(EMAIL.c.status == PENDING, due(EMAIL))
    .order_by(EMAIL.c.next_attempt_at, EMAIL.c.created_at)
    .limit(bindparam("limit", type_=Integer))
    .with_for_update(skip_locked=True)
)
OTHER = EMAIL.alias("other_email")
# The attempt recorded, and whether another email is due besides this one: when none is, the pass ends without a
# claim that would find nothing (its BEGIN, SELECT and COMMIT were a third of an email's round trips). One queued
# after this look wakes the sender by its commit; one another replica holds is that replica's to send.
RECORD = (
    update(EMAIL)
    .where(EMAIL.c.id == bindparam("b_id"))
    .values(
        {
            column: bindparam(f"b_{column}", type_=EMAIL.c[column].type)
            for column in ("status", "attempts", "last_error", "sent_at", "next_attempt_at")
        }
    )
    .returning(
        select(OTHER.c.id)
        .where(OTHER.c.status == PENDING, OTHER.c.id != bindparam("b_id"), due(OTHER))
        .exists()
        .label("more_due")
    )
)
LOG_ATTEMPT = insert(ATTEMPT)


@dataclass(slots=True)
class Outgoing:
    """A claimed email: what its message needs, and its state after the attempt."""

    id: str
    kind: str
    recipient: str
    recipient_name: str
    language: str
    subject: str
    text_body: str
    html_body: str
    message_id: str
    created_at: datetime
    attempts: int
    last_error: str | None
    status: str = PENDING
    sent_at: datetime | None = None
    next_attempt_at: datetime | None = None

    def state(self) -> dict:
        return {
            "b_id": self.id,
            "b_status": self.status,
            "b_attempts": self.attempts,
            "b_last_error": self.last_error,
            "b_sent_at": self.sent_at,
            "b_next_attempt_at": self.next_attempt_at,
        }


class ServerUnreachable(Exception):
    """No connection to the mail server could be opened (the cause says why)."""


class EmailSender:
    def __init__(
        self,
        db: Database,
        settings: Settings,
        pending: asyncio.Event,
        *,
        batch: int = 50,
        backlog: asyncio.Event | None = None,
    ) -> None:
        """`pending` wakes this sender. `backlog`, when given, is set as soon as a pass finds a second email due:
        it wakes the extra senders, which wait on it as their `pending` (woken by every commit, they would
        mostly race this one for a single email and find nothing)."""
        self.db, self.settings, self.pending, self.batch = db, settings, pending, batch
        self.backlog = backlog
        self.from_header, self.envelope_sender = sender_of(settings.mail_from)
        self._task: asyncio.Task | None = None
        self._stopping = False
        # While the server cannot be reached at all, passes pause (same backoff) instead of trying every row.
        self._connection_failures = 0
        self._server_retry_at: datetime | None = None
        self._smtp: aiosmtplib.SMTP | None = None
        self._smtp_used_at = 0.0  # time.monotonic() of the connection's last email
        self._own_retry_at: datetime | None = (
            None  # the earliest retry this sender scheduled, until it falls due
        )

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
        await self._disconnect()

    async def _run(self) -> None:
        while not self._stopping:
            self.pending.clear()
            try:
                handled = await self.send_due()
                if handled >= self.batch:
                    wait = 0.0  # more may be due
                elif handled:
                    wait = self._seconds_until_own_retry()  # busy: no query per pass
                else:
                    wait = await self._seconds_until_next_due()
                wait = max(wait, self._seconds_until_server_retry())
            except Exception:
                log.exception("email sender pass failed")
                wait = self.settings.email_idle_interval_seconds
            if wait > 0:
                wait = await self._close_when_idle(wait)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.pending.wait(), wait)

    async def _close_when_idle(self, wait: float) -> float:
        """Close a connection unused for the keep-alive time; else wake up in time to close it. The wait."""
        if self._smtp is None:
            return wait
        idle_for = time.monotonic() - self._smtp_used_at
        keepalive = self.settings.smtp_keepalive_seconds
        if idle_for >= keepalive:
            await self._disconnect()
            return wait
        return min(wait, keepalive - idle_for)

    async def _seconds_until_next_due(self) -> float:
        """Until the next retry falls due. Rows due already but not claimed are locked by another replica's pass:
        that replica sends them (or, should it die, the periodic pass finds them), so they are no reason to spin."""
        now = wall_now()
        async with self.db.session() as session:
            next_due = await session.scalar(
                select(func.min(Email.next_attempt_at)).where(
                    Email.status == PENDING, Email.next_attempt_at > now
                )
            )
        idle = self.settings.email_idle_interval_seconds
        return idle if next_due is None else min(idle, max(0.0, (next_due - now).total_seconds()))

    def _seconds_until_own_retry(self) -> float:
        """Until the earliest retry this sender scheduled falls due: after a pass that sent something, the rows
        due then are sent, and what comes later is either queued (and wakes the sender), this sender's own retry, or
        another replica's (which that replica sends; the next idle pass would find it should the replica die)."""
        idle = self.settings.email_idle_interval_seconds
        if self._own_retry_at is None:
            return idle
        seconds = (self._own_retry_at - wall_now()).total_seconds()
        if seconds <= 0:
            self._own_retry_at = None
            return 0.0
        return min(idle, seconds)

    def _seconds_until_server_retry(self) -> float:
        if self._server_retry_at is None:
            return 0.0
        return max(0.0, (self._server_retry_at - wall_now()).total_seconds())

    async def send_due(self) -> int:
        """Try every due email once (up to a batch); returns how many were tried. Each email is one short
        transaction: its row is claimed (locked, so no other replica sends it meanwhile), sent, and its attempt
        committed as soon as the server answers, so a crash later in the pass sends none of it again. The pass
        keeps one database connection for all its transactions."""
        tried = 0
        async with self.db.engine.connect() as conn:
            while tried < self.batch:
                async with conn.begin():
                    row = (await conn.execute(CLAIM, {"now": wall_now(), "limit": 1})).mappings().first()
                    if row is None:
                        return tried  # nothing more is due now (or another replica holds it)
                    email = Outgoing(**row)
                    tried += 1
                    if tried == 2 and self.backlog is not None:
                        self.backlog.set()  # emails queue faster than this sender sends them: call in the others
                    attempt = await self._attempt(email)
                    more_due = (await conn.execute(RECORD, {**email.state(), "now": wall_now()})).scalar()
                    if email.attempts > 1 or attempt["outcome"] != SENT:
                        # An email accepted at the first try needs no log: its row says when it was sent.
                        await conn.execute(LOG_ATTEMPT, attempt)
                if not more_due:
                    return tried
                if attempt["outcome"] != SENT and self._server_retry_at is not None:
                    return tried  # the server cannot be reached: the other rows wait for its backoff
        return tried

    async def _attempt(self, email: Outgoing) -> dict:
        """Send one email over the open connection (opened on demand); the attempt, whatever its outcome."""
        try:
            message = self.message(email)
        except (ValueError, TypeError) as exc:  # e.g. a line break in an address: it can never be sent
            return self._failed(email, exc, permanent=True)
        try:
            await self._transmit(email.recipient, message)
        except ServerUnreachable as exc:
            self._server_unreachable()
            return self._failed(email, exc.__cause__ or exc)
        except (aiosmtplib.SMTPException, OSError) as exc:
            await self._disconnect()  # start the next email on a fresh connection
            return self._failed(email, exc)
        return self._sent(email)

    async def _transmit(self, recipient: str, message: bytes) -> None:
        """Over the kept connection, else a new one. A kept connection the server dropped while it was idle is
        replaced once: that is no refusal of this email."""
        if self._smtp is not None and self._smtp.is_connected:
            try:
                await self._send(recipient, message)
                return
            except aiosmtplib.SMTPServerDisconnected:
                log.info("the mail server closed the kept connection; reconnecting")
                await self._disconnect()
        try:
            self._smtp = await self._connect()
        except (aiosmtplib.SMTPException, OSError) as exc:
            raise ServerUnreachable(_describe(exc)) from exc
        await self._send(recipient, message)

    async def _send(self, recipient: str, message: bytes) -> None:
        if self._smtp is None:
            raise RuntimeError("no connection to the mail server")
        options = [] if (self.envelope_sender + recipient).isascii() else ["SMTPUTF8"]
        await self._smtp.sendmail(self.envelope_sender, [recipient], message, mail_options=options)
        self._smtp_used_at = time.monotonic()

    async def _disconnect(self) -> None:
        """Close the connection politely, or drop it when the server is already gone."""
        smtp, self._smtp = self._smtp, None
        if smtp is not None:
            if smtp.is_connected:
                try:
                    await smtp.quit()
                    return
                except (aiosmtplib.SMTPException, OSError):
                    pass
            smtp.close()

    async def _connect(self) -> aiosmtplib.SMTP:
        s = self.settings
        smtp = aiosmtplib.SMTP(
            hostname=s.smtp_host,
            port=s.smtp_port,
            username=s.smtp_username or None,
            password=s.smtp_password or None,
            start_tls=s.smtp_starttls,
            timeout=s.smtp_timeout_seconds,
        )
        try:
            await smtp.connect()  # also STARTTLS and login, as configured
        except BaseException:
            smtp.close()
            raise
        self._connection_failures, self._server_retry_at = 0, None
        self._smtp_used_at = time.monotonic()
        return smtp

    def _server_unreachable(self) -> None:
        self._connection_failures += 1
        self._server_retry_at = wall_now() + self.backoff(self._connection_failures)

    def message(self, email: Outgoing) -> bytes:
        """The MIME message: plain text with an HTML alternative, the same Message-ID on every attempt."""
        return mime_message(
            from_header=self.from_header,
            to_name=email.recipient_name,
            to_address=email.recipient,
            subject=email.subject,
            date=format_datetime(email.created_at),
            message_id=email.message_id,
            language=email.language,
            text=email.text_body,
            html=email.html_body,
        )

    def _sent(self, email: Outgoing) -> dict:
        now = utcnow()
        email.status, email.sent_at, email.next_attempt_at = SENT, now, None
        email.attempts += 1
        EMAILS.labels(email.kind, "sent").inc()
        log.info(
            "email %s (%s) sent to %s",
            email.id,
            email.kind,
            email.recipient,
            extra={"fields": {"email_id": email.id, "attempt": email.attempts}},
        )
        return {"email_id": email.id, "attempted_at": now, "outcome": "sent", "error": None}

    def _failed(self, email: Outgoing, exc: BaseException, *, permanent: bool = False) -> dict:
        now = utcnow()
        email.attempts += 1
        email.last_error = _describe(exc)
        if permanent or now - email.created_at > timedelta(hours=self.settings.email_give_up_after_hours):
            email.status, email.next_attempt_at, outcome = FAILED, None, "failed"
            log.error(
                "email %s (%s) to %s given up after %d attempts: %s",
                email.id,
                email.kind,
                email.recipient,
                email.attempts,
                email.last_error,
            )
        else:
            email.next_attempt_at, outcome = wall_now() + self.backoff(email.attempts), "retry"
            if self._own_retry_at is None or email.next_attempt_at < self._own_retry_at:
                self._own_retry_at = email.next_attempt_at
            log.warning(
                "email %s (%s) to %s not accepted (attempt %d), retrying at %s: %s",
                email.id,
                email.kind,
                email.recipient,
                email.attempts,
                _iso(email.next_attempt_at),
                email.last_error,
            )
        EMAILS.labels(email.kind, outcome).inc()
        return {"email_id": email.id, "attempted_at": now, "outcome": outcome, "error": email.last_error}

    def backoff(self, attempts: int) -> timedelta:
        s = self.settings
        return timedelta(
            seconds=min(s.email_retry_max_seconds, s.email_retry_base_seconds * 2 ** (attempts - 1))
        )


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:1000]


def _iso(value: datetime | None) -> str:
    return value.isoformat() if value else "-"
