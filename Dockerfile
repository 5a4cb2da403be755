# cxprobe exporter image. Node 26 is the current LTS line; cxprobe itself supports Node >= 20.6.
FROM node:26-slim

WORKDIR /app
ENV NODE_ENV=production

COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

COPY bin ./bin
COPY src ./src
COPY demo ./demo

USER node
EXPOSE 9830
ENTRYPOINT ["node", "bin/cxprobe.js"]
CMD ["run", "--config.file=/etc/cxprobe/cxprobe.yml", "--web.listen-address=:9830"]
