"""Files sent with a message (F-11): photos of an error screen, a PDF, a log.

What a file is comes from its content, never from the name or type the sender gave: a file is accepted only when
its first bytes are an image's or a PDF's signature, or when the whole of it is plain text (UTF-8 without control
characters) that does not look like HTML. A file that claims to be an image or a PDF and is something else is
refused. It is served as the type found, always as a download (`Content-Disposition: attachment`) with
`X-Content-Type-Options: nosniff` and a sandboxing policy, so no browser ever renders one as a page.

The upload arrives as multipart/form-data, which Starlette spools to a temporary file beyond 1 MB: one file at a
time is read into memory, to check it and then to write it (see `CaseAttachment` for where the bytes are kept)."""

import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from fastapi import Response
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import undefer
from starlette.datastructures import UploadFile

from cases.audit import service as audit
from cases.case.models import Case, CaseAttachment, CaseMessage
from shared.auth import Principal
from shared.errors import field_issue, invalid_fields, not_found

MAX_FILES = 5
MAX_FILE_BYTES = 10 * 1024 * 1024
FIELD = "attachments"
CHUNK = 64 * 1024
TEXT = "text/plain; charset=utf-8"
# Signatures of the accepted binary kinds: (offset, bytes) -> the type served.
SIGNATURES: tuple[tuple[int, bytes, str], ...] = (
    (0, b"\x89PNG\r\n\x1a\n", "image/png"),
    (0, b"\xff\xd8\xff", "image/jpeg"),
    (0, b"GIF87a", "image/gif"),
    (0, b"GIF89a", "image/gif"),
    (8, b"WEBP", "image/webp"),
    (0, b"%PDF-", "application/pdf"),
)
# Text that a browser could take for markup, whatever it is called.
MARKUP = (
    b"<!doctype",
    b"<html",
    b"<head",
    b"<body",
    b"<script",
    b"<svg",
    b"<iframe",
    b"<?xml",
    b"<meta",
    b"<a ",
)
CLAIMS_BINARY = ("image/", "application/pdf")
BINARY_EXTENSIONS = (
    ".png",
    ".jpg",
    ".jpeg",
    ".gif",
    ".webp",
    ".pdf",
    ".svg",
    ".bmp",
    ".tif",
    ".tiff",
    ".heic",
)


def detected_type(content: bytes) -> str | None:
    """The type the content is, among the accepted ones; None for anything else."""
    for offset, signature, content_type in SIGNATURES:
        if content[offset : offset + len(signature)] == signature:
            if content_type == "image/webp" and not content.startswith(b"RIFF"):
                continue
            return content_type
    return TEXT if is_plain_text(content) else None


def is_plain_text(content: bytes) -> bool:
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        return False
    if any(ord(c) < 32 and c not in "\t\n\r\f" for c in text) or "\x7f" in text:
        return False
    lowered = content[:4096].lower()
    return not any(tag in lowered for tag in MARKUP)


def claims_binary(upload: UploadFile) -> bool:
    name = (upload.filename or "").lower()
    claimed = (upload.content_type or "").lower()
    return claimed.startswith(CLAIMS_BINARY) or name.endswith(BINARY_EXTENSIONS)


def safe_filename(name: str | None) -> str:
    """The file's own name without any folder, control character or quote, at most 200 characters."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    cleaned = "".join(c for c in base if c.isprintable() and c not in '"<>').strip().lstrip(".")
    if len(cleaned) > 200:
        stem, dot, ext = cleaned.rpartition(".")
        cleaned = (stem[: 199 - len(ext)] + dot + ext) if dot and len(ext) <= 10 else cleaned[:200]
    return cleaned or "attachment"


@dataclass(frozen=True)
class Upload:
    """A checked file, still in its spooled form: read again when it is written."""

    file: UploadFile
    filename: str
    content_type: str
    size: int


def uploads_of(values: list[Any]) -> list[UploadFile]:
    """The files of the form's `attachments` field; an empty file input (no file chosen) sends none."""
    return [
        v for v in values if isinstance(v, UploadFile) and (v.filename or (v.size is not None and v.size > 0))
    ]


async def read_whole(upload: UploadFile, limit: int) -> bytes | None:
    """The file's bytes, or None as soon as it proves larger than `limit`."""
    await upload.seek(0)
    parts, total = [], 0
    while chunk := await upload.read(CHUNK):
        total += len(chunk)
        if total > limit:
            return None
        parts.append(chunk)
    return b"".join(parts)


async def check_uploads(files: list[UploadFile]) -> list[Upload]:
    """Every file checked before anything is written: a 422 naming each file at fault, or the checked files."""
    if len(files) > MAX_FILES:
        raise invalid_fields(
            [
                field_issue(
                    FIELD,
                    "too_many_attachments",
                    f"at most {MAX_FILES} files per message",
                    max=MAX_FILES,
                )
            ]
        )
    issues, checked = [], []
    for index, upload in enumerate(files):
        name = safe_filename(upload.filename)
        content = await read_whole(upload, MAX_FILE_BYTES)
        if content is None:
            issues.append(
                field_issue(
                    f"{FIELD}.{index}",
                    "attachment_too_large",
                    f"{name} is larger than 10 MB",
                    filename=name,
                    max_mb=MAX_FILE_BYTES // (1024 * 1024),
                )
            )
            continue
        found = detected_type(content) if content else None
        if found is None or (found == TEXT and claims_binary(upload)):
            issues.append(
                field_issue(
                    f"{FIELD}.{index}",
                    "attachment_type_not_allowed",
                    f"{name} is not an image, a PDF or plain text (judged by its content)",
                    filename=name,
                )
            )
            continue
        checked.append(Upload(upload, name, found, len(content)))
    if issues:
        raise invalid_fields(issues)
    return checked


async def store(
    session: AsyncSession, case: Case, message: CaseMessage, uploads: list[Upload]
) -> list[CaseAttachment]:
    """Write the files with the message, in its transaction; each one's bytes are let go once flushed."""
    stored = []
    for upload in uploads:
        content = await read_whole(upload.file, MAX_FILE_BYTES) or b""
        attachment = CaseAttachment(
            id=str(uuid.uuid4()),
            case_id=case.id,
            message_id=message.id,
            filename=upload.filename,
            content_type=upload.content_type,
            size=len(content),
            content=content,
            created_at=message.created_at,
        )
        session.add(attachment)
        await session.flush()
        session.expunge(attachment)
        del content
        stored.append(attachment)
    if stored:
        audit.record(
            session,
            actor_id=message.author_id,
            actor_side=message.author_side,
            action="case.attachments_added",
            case_id=case.id,
            message_id=message.id,
            internal=message.internal,
            files=[
                {"id": a.id, "filename": a.filename, "content_type": a.content_type, "size": a.size}
                for a in stored
            ],
        )
    return stored


async def attachments_of(session: AsyncSession, message_ids: list[str]) -> dict[str, list[dict]]:
    """{message id: [its files' id, name, type and size]}, without their bytes."""
    if not message_ids:
        return {}
    rows = await session.execute(
        select(
            CaseAttachment.id,
            CaseAttachment.message_id,
            CaseAttachment.filename,
            CaseAttachment.content_type,
            CaseAttachment.size,
        )
        .where(CaseAttachment.message_id.in_(message_ids))
        .order_by(CaseAttachment.created_at, CaseAttachment.filename, CaseAttachment.id)
    )
    found: dict[str, list[dict]] = {}
    for row in rows:
        found.setdefault(row.message_id, []).append(
            {"id": row.id, "filename": row.filename, "content_type": row.content_type, "size": row.size}
        )
    return found


async def visible_attachment(
    session: AsyncSession, principal: Principal, case: Case, attachment_id: str
) -> CaseAttachment:
    """A file of a case the caller may see; an internal note's only for the staff. 404 otherwise."""
    query = (
        select(CaseAttachment)
        .options(undefer(CaseAttachment.content))
        .join(CaseMessage, CaseMessage.id == CaseAttachment.message_id)
        .where(CaseAttachment.id == attachment_id, CaseAttachment.case_id == case.id)
    )
    if not principal.is_staff:
        query = query.where(CaseMessage.internal.is_(False))
    attachment = await session.scalar(query)
    if attachment is None:
        raise not_found("attachment")
    return attachment


def download(attachment: CaseAttachment) -> Response:
    """The file as a download of the type found in it, never rendered by the browser."""
    ascii_name = attachment.filename.encode("ascii", "replace").decode().replace("?", "_")
    return Response(
        attachment.content,
        media_type=attachment.content_type,
        headers={
            "Content-Disposition": (
                f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(attachment.filename)}"
            ),
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "default-src 'none'; sandbox",
            "Cache-Control": "private, no-store",
        },
    )
