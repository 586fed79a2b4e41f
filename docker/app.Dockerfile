# One image recipe for every Herald app; the app is a build argument. From the repository root:
#   docker build -f docker/app.Dockerfile --build-arg APP=chat-gateway --build-arg PORT=8080 -t herald/chat-gateway .
#   docker build -f docker/app.Dockerfile --build-arg APP=event-stream --build-arg PORT=8088 -t herald/event-stream .
# Stages: prune the monorepo to the app and its workspace deps (turbo prune), build
# with dev dependencies, install production dependencies apart, and ship only those
# plus the compiled dist/ folders, running as the unprivileged `node` user.
ARG NODE_IMAGE=node:24-bookworm-slim

FROM ${NODE_IMAGE} AS base
ENV PNPM_HOME=/pnpm PATH=/pnpm:$PATH CI=1
# The versions the lockfile was written with (package.json "packageManager", turbo in pnpm-lock.yaml).
RUN npm install -g pnpm@10.34.9 turbo@2.11.11 --no-fund --no-audit --loglevel=error

FROM base AS pruned
ARG APP
RUN test -n "$APP" || { echo "build with --build-arg APP=chat-gateway|event-stream" >&2; exit 1; }
WORKDIR /repo
COPY . .
RUN turbo prune "@herald/${APP}" --docker

FROM base AS build
ARG APP
WORKDIR /repo
# Package manifests and the pruned lockfile first: this layer is cached until they change.
COPY --from=pruned /repo/out/json/ ./
RUN pnpm install --frozen-lockfile
COPY --from=pruned /repo/out/full/ ./
RUN pnpm turbo run build "--filter=@herald/${APP}..." \
 && mkdir /dist \
 && for d in apps/*/dist packages/*/dist; do mkdir -p "/dist/$(dirname "$d")" && cp -r "$d" "/dist/$d"; done

FROM base AS prod-deps
WORKDIR /repo
COPY --from=pruned /repo/out/json/ ./
RUN pnpm install --frozen-lockfile --prod

FROM ${NODE_IMAGE} AS runtime
ARG APP
ARG PORT=8080
ENV NODE_ENV=production HOST=0.0.0.0 PORT=${PORT} HERALD_APP=${APP}
WORKDIR /app
COPY --from=prod-deps --chown=node:node /repo/ ./
COPY --from=build --chown=node:node /dist/ ./
USER node
EXPOSE ${PORT}
# Liveness only (/healthz); readiness (/readyz) is for load balancers, not restarts.
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + process.env.PORT + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# SIGTERM drains (WebSockets closed with 1001, SSE streams ended) and exits 0; `exec`
# makes node PID 1 so the signal reaches it.
STOPSIGNAL SIGTERM
CMD ["/bin/sh", "-c", "exec node \"apps/${HERALD_APP}/dist/main.js\""]
