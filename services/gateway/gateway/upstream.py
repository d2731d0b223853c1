"""The gateway's one HTTP client to the services.

Pages call the services' APIs synchronously to render: for the gateway that is the normal case (ARCHITECTURE §1),
not the exception it would be between services. Every call carries the request's correlation id.

The client is aiohttp: every API call and every page goes through it, and on a proxied request httpx spent several
times the CPU of the rest of the gateway (its connection pool checks every pooled connection with a system call on
each request). Tests answer for the services in-process through an httpx transport instead (`HttpxClient`)."""

import json as jsonlib
from collections.abc import AsyncIterable, Iterable, Sequence
from typing import Any, Protocol

import aiohttp
import httpx

from shared.logging import current_correlation_id

SERVICES = ("accounts", "cases", "meters", "notifications")

RawHeaders = Sequence[tuple[bytes, bytes]]
# A request body: whole, or streamed in chunks (a message's files, F-11: sent on as they are read, never held whole).
Body = bytes | AsyncIterable[bytes] | None


class UpstreamUnavailable(Exception):
    """A service could not be reached or did not answer in time."""

    def __init__(self, service: str, status: int, reason: str) -> None:
        super().__init__(f"{service}: {reason}")
        self.service, self.status, self.reason = service, status, reason


class UpstreamResponse:
    """A service's answer, read whole: status, headers as received (bytes, duplicates kept), body."""

    __slots__ = ("content", "raw_headers", "status_code")

    def __init__(
        self, status_code: int, raw_headers: RawHeaders = (), content: bytes = b"", *, json: Any = None
    ) -> None:
        if json is not None:
            content = jsonlib.dumps(json).encode()
            raw_headers = [*raw_headers, (b"content-type", b"application/json")]
        self.status_code, self.raw_headers, self.content = status_code, raw_headers, content

    def json(self) -> Any:
        return jsonlib.loads(self.content)


class ServiceClient(Protocol):
    async def request(
        self,
        service: str,
        method: str,
        url: str,
        headers: Iterable[tuple[str, str]],
        content: Body,
        timeout: float | None,
    ) -> UpstreamResponse: ...

    async def aclose(self) -> None: ...


class Upstreams:
    def __init__(self, urls: dict[str, str], client: ServiceClient) -> None:
        self.urls = {name: url.rstrip("/") for name, url in urls.items()}
        self.client = client

    def knows(self, service: str) -> bool:
        return service in self.urls

    def url(self, service: str, path: str) -> str:
        return f"{self.urls[service]}/{path.lstrip('/')}"

    async def send(
        self,
        service: str,
        method: str,
        path: str,
        *,
        token: str | None = None,
        json: Any = None,
        params: Any = None,
        language: str | None = None,
        headers: dict[str, str] | Iterable[tuple[str, str]] | None = None,
        content: Body = None,
        timeout: float | None = None,
    ) -> UpstreamResponse:
        """`path` may carry its query string already (encoded); `params` are encoded as httpx does (None as an
        empty value, booleans as true/false). `headers` win over the ones set here."""
        all_headers = [("X-Correlation-ID", current_correlation_id())]
        if token:
            all_headers.append(("Authorization", f"Bearer {token}"))
        if language:
            all_headers.append(("Accept-Language", language))
        if headers:
            given = list(headers.items() if isinstance(headers, dict) else headers)
            names = {name.lower() for name, _ in given}
            all_headers = [h for h in all_headers if h[0].lower() not in names] + given
        if json is not None:
            content = jsonlib.dumps(json, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode()
            if not any(name.lower() == "content-type" for name, _ in all_headers):
                all_headers.append(("Content-Type", "application/json"))
        url = self.url(service, path)
        if params:
            query = str(httpx.QueryParams(params))
            if query:
                url = f"{url}{'&' if '?' in url else '?'}{query}"
        return await self.client.request(service, method, url, all_headers, content, timeout)


class AiohttpClient:
    """One pooled aiohttp session for the process: a large pool, since every page and API call goes through it."""

    def __init__(self, max_connections: int, timeout: float) -> None:
        # Idle connections are let go before the services' own keep-alive (uvicorn's 5 s) would drop them.
        connector = aiohttp.TCPConnector(limit=max_connections, keepalive_timeout=4.0)
        # As httpx had it: `timeout` for waiting on the pool and on each read, at most 5 s to connect.
        self.default_timeout = aiohttp.ClientTimeout(
            total=None, connect=timeout, sock_connect=min(timeout, 5.0), sock_read=timeout
        )
        # No Content-Type of its own on a body that came without one, and no cookies kept between requests.
        self.session = aiohttp.ClientSession(
            connector=connector,
            timeout=self.default_timeout,
            skip_auto_headers=("Content-Type",),
            cookie_jar=aiohttp.DummyCookieJar(),
            trust_env=False,
        )

    async def request(
        self,
        service: str,
        method: str,
        url: str,
        headers: Iterable[tuple[str, str]],
        content: Body,
        timeout: float | None,
    ) -> UpstreamResponse:
        limits = (
            self.default_timeout
            if timeout is None
            else aiohttp.ClientTimeout(
                total=None, connect=timeout, sock_connect=min(timeout, 5.0), sock_read=timeout
            )
        )
        try:
            async with self.session.request(
                method, url, headers=list(headers), data=content, allow_redirects=False, timeout=limits
            ) as response:
                return UpstreamResponse(response.status, response.raw_headers, await response.read())
        except (TimeoutError, aiohttp.ClientError, OSError) as exc:
            raise UpstreamUnavailable(service, aiohttp_unavailable_status(exc), type(exc).__name__) from exc

    async def aclose(self) -> None:
        await self.session.close()


def aiohttp_unavailable_status(exc: BaseException) -> int:
    if isinstance(exc, aiohttp.ClientConnectorError | aiohttp.ConnectionTimeoutError):
        return 503  # nobody listening (down, restarting) or no free connection: try again later
    if isinstance(exc, TimeoutError):
        return 504
    return 502


class HttpxClient:
    """The same over an httpx transport: tests answer for the services in-process with it."""

    def __init__(
        self, max_connections: int, timeout: float, transport: httpx.AsyncBaseTransport | None
    ) -> None:
        limits = httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections // 2)
        self.client = httpx.AsyncClient(
            limits=limits,
            timeout=httpx.Timeout(timeout, connect=min(timeout, 5.0)),
            transport=transport,
            follow_redirects=False,
        )

    async def request(
        self,
        service: str,
        method: str,
        url: str,
        headers: Iterable[tuple[str, str]],
        content: Body,
        timeout: float | None,
    ) -> UpstreamResponse:
        try:
            response = await self.client.request(
                method,
                url,
                headers=list(headers),
                content=content,
                timeout=httpx.USE_CLIENT_DEFAULT if timeout is None else timeout,
            )
        except httpx.TransportError as exc:
            raise UpstreamUnavailable(service, unavailable_status(exc), type(exc).__name__) from exc
        return UpstreamResponse(response.status_code, response.headers.raw, response.content)

    async def aclose(self) -> None:
        await self.client.aclose()


def unavailable_status(exc: httpx.TransportError) -> int:
    if isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout):
        return 503  # nobody listening (down, restarting): try again later
    if isinstance(exc, httpx.TimeoutException):
        return 504
    return 502


def make_client(
    max_connections: int, timeout: float, transport: httpx.AsyncBaseTransport | None = None
) -> ServiceClient:
    if transport is not None:
        return HttpxClient(max_connections, timeout, transport)
    return AiohttpClient(max_connections, timeout)
