# checkout-projector image, built from the repository root:
#   docker compose -f docker/compose.yaml --profile projector up -d --build
# It holds checkout-rebuild too, so operators run it where the projector runs, with its
# configuration and heap settings: `docker compose exec projector checkout-rebuild status`.
# Runs from the TypeScript sources with Node 24's type stripping, like `pnpm start`, so the
# image needs no build step; dev dependencies are left out.
FROM node:24-slim
WORKDIR /app
RUN corepack enable
COPY package.json pnpm-lock.yaml pnpm-workspace.yaml tsconfig.base.json ./
COPY packages ./packages
COPY apps ./apps
RUN pnpm install --frozen-lockfile --prod --filter @checkout/projector... --filter @checkout/rebuild...
RUN printf '#!/bin/sh\nexec node --disable-warning=TimeoutNegativeWarning --conditions=@checkout/source /app/apps/rebuild/src/main.ts "$@"\n' \
      > /usr/local/bin/checkout-rebuild && chmod +x /usr/local/bin/checkout-rebuild
# All interfaces inside the container: probes and Prometheus reach it from outside the pod.
ENV NODE_ENV=production HTTP_PORT=8080 HTTP_HOST=0.0.0.0
# A heap limit changes how V8 grows the heap, not only where it stops: on a large host V8's
# defaults let a 1M-record backlog replay peak near 500 MB RSS, with these about 285 MB for
# 12–25 % less throughput in side-by-side runs (BENCHMARKS.md); checkout-rebuild alike.
# pnpm bench reads this line.
ENV NODE_OPTIONS="--max-old-space-size=512 --max-semi-space-size=8"
# glibc gives each thread that allocates its own malloc arena (up to 8 per core), and the
# libuv threads that gunzip fetched batches keep what they freed: at 1M records this held
# the RSS 6-24 MB above the 300 MB target; two arenas cost no throughput in side-by-side
# runs (BENCHMARKS.md, change 9). pnpm bench reads this line too.
ENV MALLOC_ARENA_MAX=2
EXPOSE 8080
USER node
CMD ["node", "--disable-warning=TimeoutNegativeWarning", "--conditions=@checkout/source", "apps/projector/src/main.ts"]
