# Slim, non-root image of one livecommerce node. Settings come from LIVECOMMERCE_*.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app

# aiortc links against libav/libvpx/libopus wheels; these are the runtime libraries
# the wheels do not bundle.
RUN apt-get update \
 && apt-get install -y --no-install-recommends libsrtp2-1 curl \
 && rm -rf /var/lib/apt/lists/*

COPY pyproject.toml README.md ./
COPY livecommerce ./livecommerce
COPY web ./web
COPY migrations ./migrations
RUN pip install . && useradd --create-home --uid 10001 livecommerce
USER livecommerce

ENV LIVECOMMERCE_HOST=0.0.0.0 LIVECOMMERCE_PORT=8000
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s --retries=3 \
  CMD curl -fsS http://127.0.0.1:8000/healthz || exit 1
CMD ["livecommerce", "serve", "--host", "0.0.0.0", "--port", "8000"]
