# syntax=docker/dockerfile:1

# --- deps: every dependency, exactly as locked, for the build ---
FROM node:20-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund

# --- build: compile src/ to dist/ ---
FROM deps AS build
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

# --- runtime: production dependencies, compiled code and the migrations ---
FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    ROLE=all \
    DATA_DIR=/app/.data
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
# Applied at start-up from ./migrations (relative to WORKDIR).
COPY migrations ./migrations
# DATA_DIR must be writable by the unprivileged user (mail .eml files, a
# generated JWT secret when JWT_SECRET is unset); mount a volume here to keep it.
RUN mkdir -p /app/.data && chown node:node /app/.data
USER node
EXPOSE 3000
# Liveness of the HTTP server. A ROLE=worker container serves no HTTP, so
# disable or replace this check for it (docker-compose.yml does).
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/health/live').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# ROLE selects what runs: api, worker or all (both in one process).
CMD ["node", "dist/main.js"]
