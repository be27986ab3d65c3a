# syntax=docker/dockerfile:1
# The image of every Nazar process. PACKAGE names the workspace package to install: the image holds
# that package and what it depends on (nazar-platform, nazar-contracts, nazar-ui with its templates,
# style sheet and scripts as package data, their locked third-party packages) and nothing of the
# other services, the dev tools or the sources. docker-compose.yml
# builds one image per service (PACKAGE=nazar-roster, ...) and one for the topic bootstrap
# (PACKAGE=nazar-platform); the container's command picks what runs.
#
#   docker build --build-arg PACKAGE=nazar-platform -t nazar/platform:dev .

ARG PYTHON_IMAGE=python:3.11-slim

FROM ${PYTHON_IMAGE} AS build
ARG UV_VERSION=0.13.9
RUN pip install --no-cache-dir "uv==${UV_VERSION}"
ENV UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    UV_PROJECT_ENVIRONMENT=/app/.venv
WORKDIR /src
ARG PACKAGE=nazar-platform
# Third-party packages first, from the lock alone: this layer is rebuilt when pyproject.toml or
# uv.lock change, not on every source edit.
COPY pyproject.toml uv.lock ./
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --no-editable --no-install-workspace --package "${PACKAGE}"
COPY libs/ libs/
COPY services/ services/
# Not editable: the workspace packages are installed into the venv, so the runtime stage needs
# the venv only.
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --no-editable --package "${PACKAGE}"

FROM ${PYTHON_IMAGE} AS runtime
# A fixed, unprivileged uid: volume ownership and orchestrators' non-root checks can rely on it.
RUN groupadd --system --gid 10001 nazar \
    && useradd --system --uid 10001 --gid nazar --home-dir /app --no-create-home \
        --shell /usr/sbin/nologin nazar
WORKDIR /app
# Owned by root and read-only to the process: a compromised service cannot rewrite its code.
COPY --from=build /app/.venv /app/.venv
COPY deploy/topics.yaml /app/deploy/topics.yaml
ENV PATH="/app/.venv/bin:${PATH}" \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    NAZAR_HTTP_PORT=8000 \
    NAZAR_METRICS_PORT=9100
USER 10001:10001
# 8000: the API and pages; 9100: /metrics, for Prometheus on the internal network only.
EXPOSE 8000 9100
CMD ["python", "-m", "nazar_platform.cli.topics", "--help"]
