import { Counter, Gauge, Registry } from 'prom-client';
import type { Db } from './db/port.js';

export const PREFIX = 'feedbackbot_backend_';

export interface BackendMetrics {
  registry: Registry;
  /** One webhook answered: `stored`, `duplicate`, `unauthorized` or `invalid`. */
  webhook(result: 'stored' | 'duplicate' | 'unauthorized' | 'invalid'): void;
}

/**
 * The backend's Prometheus metrics on a registry of its own. The signal gauges are read from the database at
 * scrape time, so every replica reports the same truth: alert on `…_safety_signals_overdue > 0`.
 */
export function createBackendMetrics(db: Db, overdueMinutes: number, now: () => Date): BackendMetrics {
  const registry = new Registry();
  const webhooks = new Counter({ name: `${PREFIX}webhooks_total`, help: 'Webhooks answered, by result', labelNames: ['result'], registers: [registry] });
  new Gauge({
    name: `${PREFIX}safety_signals_overdue`,
    help: `Safety signals not acknowledged within ${overdueMinutes} minutes (SIGNAL_OVERDUE_MINUTES)`,
    registers: [registry],
    async collect() {
      const [row] = await db.query<{ n: number }>('SELECT count(*) AS n FROM safety_signals WHERE acknowledged_at IS NULL AND signalled_at < $1', [
        new Date(now().getTime() - overdueMinutes * 60_000),
      ]);
      this.set(row?.n ?? 0);
    },
  });
  new Gauge({
    name: `${PREFIX}safety_signals_unacknowledged`,
    help: 'Safety signals waiting for acknowledgement',
    registers: [registry],
    async collect() {
      const [row] = await db.query<{ n: number }>('SELECT count(*) AS n FROM safety_signals WHERE acknowledged_at IS NULL');
      this.set(row?.n ?? 0);
    },
  });
  return { registry, webhook: (result) => webhooks.inc({ result }) };
}
