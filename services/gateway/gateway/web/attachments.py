"""A message's files on their way to the cases service, and back as downloads (F-11).

The browser's form arrives as multipart/form-data, which Starlette spools to temporary files beyond 1 MB; it goes
on to cases as multipart again, streamed from those files in chunks, so the gateway never holds the files whole.
The cases service judges each file by its content; a download is passed back with the headers cases set (a safe
type, `Content-Disposition: attachment`, nosniff, a sandboxing policy), which the gateway never loosens."""

import uuid
from collections.abc import AsyncIterator

from fastapi import Response
from starlette.datastructures import UploadFile

from gateway.web.visit import Answer, Visit

CASES = "/api/cases/v1"
CHUNK = 64 * 1024
# What a download keeps of the service's answer; anything else (cookies, the service's own headers) is dropped.
DOWNLOAD_HEADERS = (
    b"content-type",
    b"content-disposition",
    b"x-content-type-options",
    b"content-security-policy",
    b"cache-control",
)


def quoted(value: str) -> str:
    """A form-data parameter value: quotes and line breaks would end the header early."""
    return value.replace("\\", "\\\\").replace('"', "%22").replace("\r", "%0D").replace("\n", "%0A")


async def multipart(
    boundary: str, fields: dict[str, str], files: list[UploadFile], name: str = "attachments"
) -> AsyncIterator[bytes]:
    """The form as multipart/form-data, one chunk at a time."""
    dash = f"--{boundary}\r\n".encode()
    for key, value in fields.items():
        yield (
            dash + f'Content-Disposition: form-data; name="{key}"\r\n\r\n'.encode() + value.encode() + b"\r\n"
        )
    for upload in files:
        await upload.seek(0)
        yield (
            dash
            + (
                f'Content-Disposition: form-data; name="{name}"; filename="{quoted(upload.filename or "")}"\r\n'
                f"Content-Type: {upload.content_type or 'application/octet-stream'}\r\n\r\n"
            ).encode()
        )
        while chunk := await upload.read(CHUNK):
            yield chunk
        yield b"\r\n"
    yield f"--{boundary}--\r\n".encode()


async def send_message(
    visit: Visit, case_id: str, body: str, internal: bool, files: list[UploadFile]
) -> Answer:
    """A message (or an internal note) with its files; without files, as JSON."""
    path = f"{CASES}/cases/{case_id}/messages"
    if not files:
        return await visit.call("cases", "POST", path, json={"body": body, "internal": internal})
    boundary = uuid.uuid4().hex
    fields = {"body": body, "internal": "true" if internal else "false"}
    return await visit.call(
        "cases",
        "POST",
        path,
        content=multipart(boundary, fields, files),
        content_type=f"multipart/form-data; boundary={boundary}",
    )


async def download(visit: Visit, case_id: str, attachment_id: str) -> Response:
    """A message's file for the visitor, when cases lets them see it (else the not-found page)."""
    answer = await visit.fetch(
        "cases", "GET", f"{CASES}/cases/{case_id}/attachments/{attachment_id}", refusals=frozenset()
    )
    response = Response(answer.content)
    response.raw_headers = [
        (name.lower(), value) for name, value in answer.raw_headers if name.lower() in DOWNLOAD_HEADERS
    ] + [(b"content-length", str(len(answer.content)).encode())]
    return visit.finish(response)
