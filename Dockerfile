# One image for both roles: `npm run api` or `npm run worker` (see docker-compose.yml).
FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
# npm ci builds the web app (the prepare script), so its sources come first.
COPY web ./web
RUN npm ci --omit=dev --no-audit --no-fund
COPY . .
ENV NODE_ENV=production PORT=4000 STORAGE_DIR=/data/files
# 4000: the API (PORT); 9464: a worker's /metrics, /healthz and /readyz (METRICS_PORT).
EXPOSE 4000 9464
CMD ["npm", "run", "api"]
