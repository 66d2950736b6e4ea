# syntax=docker/dockerfile:1
# jwtgate: build with the toolchain, run without it, as an unprivileged user.
#   docker build -t jwtgate .
#   docker run --rm -p 8888:8888 -e JWTGATE_AUTH_ACCESS_SECRET=… -e JWTGATE_AUTH_REFRESH_SECRET=… jwtgate

ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS toolchain
# Native modules (better-sqlite3) compile here when no prebuilt binary fits.
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
# Every workspace's manifest, so that npm ci sees the same tree as the lock file.
COPY packages/core/package.json packages/core/
COPY packages/client/package.json packages/client/
COPY packages/server/package.json packages/server/
COPY packages/middleware/package.json packages/middleware/
COPY examples/package.json examples/

FROM toolchain AS build
RUN npm ci --no-audit --no-fund
COPY tsconfig.base.json ./
COPY packages/core/tsconfig.json packages/core/
COPY packages/core/src packages/core/src
COPY packages/client/tsconfig.json packages/client/
COPY packages/client/src packages/client/src
COPY packages/server/tsconfig.json packages/server/
COPY packages/server/src packages/server/src
COPY packages/server/web packages/server/web
RUN npx tsc -b packages/server

FROM toolchain AS runtime-dependencies
# Production dependencies only. Peer dependencies are left out: the only one,
# vitest for the conformance suites in @jwtgate/core/testing, is for tests.
RUN npm ci --omit=dev --legacy-peer-deps --no-audit --no-fund

FROM ${NODE_IMAGE}
ENV NODE_ENV=production \
  JWTGATE_HOST=0.0.0.0 \
  JWTGATE_PORT=8888 \
  JWTGATE_DATA_DIR=/data
WORKDIR /app
# Only what runs: production node_modules (with the workspace links) and compiled code.
COPY --from=runtime-dependencies /app/package.json ./
COPY --from=runtime-dependencies /app/node_modules node_modules
COPY --from=build /app/packages/core/package.json packages/core/
COPY --from=build /app/packages/core/dist packages/core/dist
COPY --from=build /app/packages/client/package.json packages/client/
COPY --from=build /app/packages/client/dist packages/client/dist
COPY --from=build /app/packages/server/package.json packages/server/
COPY --from=build /app/packages/server/dist packages/server/dist
# The list of common passwords that new passwords are checked against (see its NOTICE).
COPY packages/server/data packages/server/data
COPY packages/server/NOTICE packages/server/
# The web page: its static files and its compiled scripts.
COPY --from=build /app/packages/server/web/static packages/server/web/static
COPY --from=build /app/packages/server/web/dist packages/server/web/dist
# An embedded SQLite database, if used, lives in /data; nothing else is writable.
RUN mkdir /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 8888
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.JWTGATE_PORT||8888)+'/readyz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["node", "packages/server/dist/cli/main.js"]
CMD ["start"]
