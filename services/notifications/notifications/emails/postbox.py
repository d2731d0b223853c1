"""Queueing emails: an event handler renders its emails and writes them as pending rows in its own (inbox)
transaction; the sender delivers them after the commit. Nothing is sent from inside a handler."""

import asyncio
import uuid
from dataclasses import dataclass
from email.utils import parseaddr
from typing import Any, cast

from sqlalchemy import CursorResult
from sqlalchemy.ext.asyncio import AsyncSession

from notifications.emails.models import PENDING, Email
from notifications.emails.render import EmailRenderer
from notifications.recipients.models import Recipient
from shared.clock import wall_now
from shared.db import run_after_commit, upsert_ignore, utcnow


@dataclass(frozen=True)
class Addressee:
    email: str
    name: str
    language: str
    time_zone: str = "UTC"
    user_id: str | None = None

    def __post_init__(self) -> None:
        # A name goes into the To header: one line, whatever the source held.
        object.__setattr__(self, "name", " ".join(self.name.split()))

    @classmethod
    def of(cls, recipient: Recipient) -> "Addressee":
        return cls(
            recipient.email, recipient.name, recipient.language, recipient.time_zone, recipient.user_id
        )


class Postbox:
    def __init__(self, renderer: EmailRenderer, mail_from: str) -> None:
        self.renderer = renderer
        self.message_id_domain = parseaddr(mail_from)[1].rpartition("@")[2] or "selfservice.example"
        self.pending = asyncio.Event()  # set after a commit that queued emails: wakes the sender

    async def queue(
        self, session: AsyncSession, *, event_id: str, kind: str, to: Addressee, link_path: str, **values: Any
    ) -> bool:
        """Queue one email in the caller's transaction; False when this event already gave this email to this
        address (the unique key (event_id, kind, recipient) makes a duplicate event harmless)."""
        rendered = self.renderer.render(
            kind, language=to.language, time_zone=to.time_zone, link_path=link_path, name=to.name, **values
        )
        email_id = str(uuid.uuid4())
        now = utcnow()
        result = await session.execute(
            upsert_ignore(session, Email.__table__)
            .values(
                id=email_id,
                event_id=event_id,
                kind=kind,
                recipient=to.email,
                recipient_name=to.name,
                user_id=to.user_id,
                language=to.language,
                subject=rendered.subject,
                text_body=rendered.text,
                html_body=rendered.html,
                status=PENDING,
                attempts=0,
                created_at=now,
                next_attempt_at=wall_now(),  # a schedule, on the real clock (see sender.py)
                message_id=f"<{email_id}@{self.message_id_domain}>",
            )
            .on_conflict_do_nothing()
        )
        run_after_commit(session, self.pending.set)
        return cast(CursorResult[Any], result).rowcount == 1  # an INSERT's result is a cursor's
