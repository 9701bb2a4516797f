# Switchyard gateway image: official Bun image, production dependencies only, runs as the non-root
# `bun` user. Config path by env (SWITCHYARD_CONFIG); ledger data in /app/data (mount a volume there).
#
#   docker build -t switchyard .
#   docker run -p 3000:3000 -v switchyard-data:/app/data switchyard
#   # your own config: mount its directory (not the single file: hot reload follows rename-replace saves
#   # and Kubernetes ConfigMap ..data swaps) and point SWITCHYARD_CONFIG at it
#   docker run -p 3000:3000 -v "$PWD/config:/config:ro" -e SWITCHYARD_CONFIG=/config/gateway.yaml switchyard
#
# A config of your own must listen on 0.0.0.0 inside the container, e.g. `host: ${SWITCHYARD_HOST:-127.0.0.1}`
# as in the bundled gateway.yaml (this image sets SWITCHYARD_HOST=0.0.0.0), or `host: 0.0.0.0`.
# Relative paths in a config are relative to its directory (a read-only /config mount included): keep the
# ledger in the volume with `url: ${SWITCHYARD_DB:-file:./data/switchyard.db}` as in the bundled file (this
# image sets SWITCHYARD_DB to /app/data) or an absolute `storage.url: file:/app/data/switchyard.db`.

# ---- dependencies (production only) ----
FROM oven/bun:1 AS deps
WORKDIR /app
# The project is locked with npm. Bun has no npm-lockfile mode for --frozen-lockfile, but with no bun.lock
# present it migrates package-lock.json, so the versions installed here are the locked ones.
COPY package.json package-lock.json ./
RUN bun install --production

# ---- runtime ----
FROM oven/bun:1
WORKDIR /app
# BUN_CONFIG_MAX_HTTP_REQUESTS: Bun's fetch runs at most 256 requests at once unless this is set at start
# (the gateway refuses, 503 upstream_overloaded, what would queue beyond it; see providers.*.max_connections).
ENV NODE_ENV=production \
    BUN_CONFIG_MAX_HTTP_REQUESTS=16384 \
    SWITCHYARD_CONFIG=/app/gateway.yaml \
    SWITCHYARD_HOST=0.0.0.0 \
    SWITCHYARD_DB=file:/app/data/switchyard.db \
    PORT=3000

# Application files stay root-owned (read-only for the gateway); only the data dir belongs to `bun`.
COPY --from=deps /app/node_modules ./node_modules
COPY package.json gateway.yaml ./
COPY schema/ ./schema/
COPY src/ ./src/
COPY adapters/ ./adapters/
COPY plugins/ ./plugins/
RUN mkdir -p /app/data && chown bun:bun /app/data
VOLUME ["/app/data"]

USER bun
EXPOSE 3000

# No curl in the image: bun itself asks /health.
HEALTHCHECK --interval=15s --timeout=3s --start-period=10s --retries=3 \
  CMD ["bun", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]

# SIGTERM: stop accepting, drain in-flight requests (server.drain_timeout_ms), flush the ledger, exit.
STOPSIGNAL SIGTERM
CMD ["bun", "src/cli.ts", "start"]
