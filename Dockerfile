# syntax=docker/dockerfile:1
# Vigil's image. One image, several roles chosen by argument:
#   docker run IMAGE api | worker | migrate | config check
# (and, with --entrypoint, docker-compose.yml's demo shop: bin/vigil-demo.js run)
# Debian slim, not Alpine: the Temporal core bridge is a native module built
# against glibc. Stages: build (compile once) → deps (production modules) → run.
ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY bin ./bin
COPY workflows ./workflows
COPY activities ./activities
COPY workers ./workers
COPY api ./api
COPY cli ./cli
COPY lib ./lib
COPY demo ./demo
# dist/ (compiled JavaScript) and dist/workflow-bundle.js, which workers load
# instead of bundling workflow code at every start.
RUN npm run build

FROM ${NODE_IMAGE} AS deps
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

FROM ${NODE_IMAGE}
# tini is PID 1: it forwards SIGTERM to node (graceful drain) and reaps the
# children of exec checks and actions. Debian versions are not pinned: the
# base image tag decides the release, and pins would break on every point update.
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
# Containers listen on all interfaces; everything else comes from configs/
# (mounted over /app/configs) and VIGIL_* variables.
ENV VIGIL_CONFIG_DIR=/app/configs \
    VIGIL_SERVER__HOST=0.0.0.0 \
    VIGIL_SERVER__OPS__HOST=0.0.0.0
COPY --from=deps /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY package.json ./
COPY bin ./bin
COPY migrations ./migrations
COPY api/dashboard ./api/dashboard
COPY configs ./configs
COPY docker/healthcheck.js ./docker/healthcheck.js
# The node user of the base image (uid 1000), by number so that Kubernetes'
# runAsNonRoot can check it. The root filesystem may be read-only: nothing
# under /app is written at run time.
USER 1000:1000
EXPOSE 8080 8081
# /-/ready on the ops port: Temporal and PostgreSQL answer and not draining.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "/app/docker/healthcheck.js"]
ENTRYPOINT ["/usr/bin/tini", "--", "node", "/app/bin/vigil.js"]
CMD ["api"]
