# feedbackbot — multi-stage build: compile with dev dependencies, run with production dependencies only.
# The same image runs the reference backend: `node dist/backend/main.js` (see compose.yaml).
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
RUN npm run build

FROM node:24-bookworm-slim AS run
ENV NODE_ENV=production PORT=3000 HOST=0.0.0.0
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
# The reference backend's migrations are plain SQL next to its code (tsc copies only .ts output).
COPY src/backend/db/migrations ./dist/backend/db/migrations
COPY flows ./flows
COPY locales ./locales
USER node
EXPOSE 3000
# On the operations listener (OPS_PORT, loopback inside the container): /healthz is there too, /readyz and /metrics only there.
HEALTHCHECK --interval=15s --timeout=3s --start-period=10s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.OPS_PORT||9464)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["node", "dist/main.js"]
