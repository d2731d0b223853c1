"""The gateway's one HTTP client to the services.

Pages call the services' APIs synchronously to render: for the gateway that is the normal case (ARCHITECTURE §1),
not the exception it would be between services. Every call carries the request's correlation id."""

from typing import Any

import httpx

from shared.logging import current_correlation_id

SERVICES = ("accounts", "cases", "meters", "notifications")


class UpstreamUnavailable(Exception):
    """A service could not be reached or did not answer in time."""

    def __init__(self, service: str, status: int, reason: str) -> None:
        super().__init__(f"{service}: {reason}")
        self.service, self.status, self.reason = service, status, reason


def unavailable_status(exc: httpx.TransportError) -> int:
    if isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout):
        return 503  # nobody listening (down, restarting): try again later
    if isinstance(exc, httpx.TimeoutException):
        return 504
    return 502


class Upstreams:
    def __init__(self, urls: dict[str, str], client: httpx.AsyncClient) -> None:
        self.urls = {name: url.rstrip("/") for name, url in urls.items()}
        self.client = client

    def knows(self, service: str) -> bool:
        return service in self.urls

    def url(self, service: str, path: str) -> str:
        return f"{self.urls[service]}/{path.lstrip('/')}"

    async def send(self, service: str, method: str, path: str, *, token: str | None = None,
                   json: Any = None, params: Any = None, language: str | None = None,
                   headers: dict[str, str] | None = None, content: bytes | None = None) -> httpx.Response:
        all_headers = {"X-Correlation-ID": current_correlation_id()}
        if token:
            all_headers["Authorization"] = f"Bearer {token}"
        if language:
            all_headers["Accept-Language"] = language
        all_headers.update(headers or {})
        try:
            return await self.client.request(method, self.url(service, path), json=json, params=params,
                                             headers=all_headers, content=content)
        except httpx.TransportError as exc:
            raise UpstreamUnavailable(service, unavailable_status(exc), type(exc).__name__) from exc


def make_client(max_connections: int, timeout: float,
                transport: httpx.AsyncBaseTransport | None = None) -> httpx.AsyncClient:
    """One shared client for the process: a large pool, since every page and API call goes through it."""
    limits = httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections // 2)
    return httpx.AsyncClient(limits=limits, timeout=httpx.Timeout(timeout, connect=min(timeout, 5.0)),
                             transport=transport, follow_redirects=False)
