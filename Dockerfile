# cxprobe exporter image. Node 26 is the current LTS line; cxprobe itself supports Node >= 20.6.
# Built in two stages: the sources are compiled to JavaScript (no on-the-fly transpiling in
# production: one http target runs in ~95 MiB instead of ~131 MiB, BENCHMARKS.md), and the
# runtime image holds only that output and the production dependencies.
FROM node:26-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

FROM node:26-slim
WORKDIR /app
ENV NODE_ENV=production

COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

COPY --from=build /src/dist ./dist
COPY demo ./demo

USER node
EXPOSE 9830
ENTRYPOINT ["node", "dist/cli.js"]
CMD ["run", "--config.file=/etc/cxprobe/cxprobe.yml", "--web.listen-address=:9830"]
