# The image of one service, built from the repository root with the service and its port as build arguments:
#   docker build --build-arg SERVICE=cases --build-arg PORT=8002 -t selfservice-cases .
# It holds that workspace member, `shared` and their runtime dependencies only (no other service, no test tools).

FROM python:3.11.13-slim-bookworm AS build
ARG SERVICE
RUN test -n "$SERVICE" || { echo "build with --build-arg SERVICE=<accounts|cases|meters|notifications|gateway>" >&2; exit 1; }
RUN pip install --no-cache-dir uv==0.13.9
ENV UV_COMPILE_BYTECODE=1 UV_LINK_MODE=copy UV_PYTHON_DOWNLOADS=never
WORKDIR /app
# Dependencies first: this layer is rebuilt only when the lock or a member's metadata changes, not on every code
# change. uv reads the whole workspace, so every member's pyproject.toml comes along (metadata only).
COPY pyproject.toml uv.lock ./
COPY shared/pyproject.toml shared/
COPY services/accounts/pyproject.toml services/accounts/
COPY services/cases/pyproject.toml services/cases/
COPY services/meters/pyproject.toml services/meters/
COPY services/notifications/pyproject.toml services/notifications/
COPY services/gateway/pyproject.toml services/gateway/
RUN uv sync --frozen --no-dev --package "selfservice-$SERVICE" --no-install-workspace
# Then the code. The members stay editable installs of /app, so a service finds its migrations beside its package.
COPY shared/ shared/
COPY services/${SERVICE}/ services/${SERVICE}/
RUN uv sync --frozen --no-dev --package "selfservice-$SERVICE"

FROM python:3.11.13-slim-bookworm
ARG SERVICE
ARG PORT
RUN test -n "$PORT" || { echo "build with --build-arg PORT=<the service's port>" >&2; exit 1; }
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PATH=/app/.venv/bin:$PATH \
    SERVICE=${SERVICE} \
    HOST=0.0.0.0 \
    PORT=${PORT}
# uid 10001 in every service image, so the key volume written by the compose `keys` job is readable.
RUN useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin app
WORKDIR /app
COPY --from=build /app/.venv /app/.venv
COPY shared/ shared/
COPY services/${SERVICE}/ services/${SERVICE}/
# var/ holds the embedded defaults (SQLite, dev keys) when no DATABASE_URL / key files are given.
RUN mkdir -p /app/var && chown app:app /app/var
USER app
EXPOSE ${PORT}
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:' + os.environ['PORT'] + '/health/live', timeout=3)"]
# The service's console entry point (`cases`, `gateway`, ...); exec, so it receives the stop signal itself.
CMD ["sh", "-c", "exec \"$SERVICE\""]
