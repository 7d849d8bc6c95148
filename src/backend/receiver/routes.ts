import type { FastifyInstance } from 'fastify';
import { ResponseDocument, RespondentErased, SafetySignal } from '../../survey/payload.js';
import type { Db } from '../db/port.js';
import { eraseRespondent } from '../erasure.js';
import type { BackendMetrics } from '../metrics.js';
import { storeResponse, storeSignal, type IsFreeText } from './store.js';
import { createVerifier } from './verify.js';

export interface ReceiverOptions {
  db: Db;
  /** `whsec_…` secrets; several during a rotation. */
  secrets: readonly string[];
  isFreeText: IsFreeText;
  metrics?: BackendMetrics;
}

const PAYLOADS = {
  'response.completed': ResponseDocument,
  'response.partial': ResponseDocument,
  'safety.signal': SafetySignal,
  'respondent.erased': RespondentErased,
} as const;

/**
 * `POST /webhooks`: the bot's deliveries. The signature is checked over the raw body before anything is parsed
 * or stored (401, nothing stored). A `webhook-id` seen before answers 200 and stores nothing new (the bot
 * retries until 2xx; the id is stable across retries). The raw event and its normalised rows are written in
 * one transaction: a crash between them leaves neither. A known type with a payload that breaks the shared
 * schema gets 400 (the bot's dead letters show it); an unknown type is kept raw and acknowledged.
 */
export function registerReceiver(app: FastifyInstance, opts: ReceiverOptions): void {
  const verify = createVerifier(opts.secrets);
  app.register(async (scope) => {
    scope.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: 1024 * 1024 }, (_req, body, done) => done(null, body));
    scope.post('/webhooks', async (req, reply) => {
      const raw = typeof req.body === 'string' ? req.body : '';
      const event = verify(raw, req.headers) as { type?: unknown } | undefined;
      if (event === undefined) {
        opts.metrics?.webhook('unauthorized');
        return reply.code(401).send({ error: 'invalid signature' });
      }
      const webhookId = String(req.headers['webhook-id']);
      const type = typeof event?.type === 'string' ? event.type : 'unknown';
      const schema = PAYLOADS[type as keyof typeof PAYLOADS];
      const parsed = schema?.safeParse(event);
      if (parsed && !parsed.success) {
        opts.metrics?.webhook('invalid');
        return reply.code(400).send({ error: `payload does not match ${type}`, issues: parsed.error.issues.map((i) => i.path.join('.')) });
      }
      const stored = await opts.db.tx(async (tx) => {
        const fresh = await tx.query('INSERT INTO webhook_events (webhook_id, type, payload) VALUES ($1, $2, $3) ON CONFLICT (webhook_id) DO NOTHING RETURNING webhook_id', [webhookId, type, event]);
        if (fresh.length === 0) return false;
        const doc = parsed?.data;
        if (doc?.type === 'response.completed' || doc?.type === 'response.partial') await storeResponse(tx, webhookId, doc, opts.isFreeText);
        else if (doc?.type === 'safety.signal') await storeSignal(tx, webhookId, doc);
        else if (doc?.type === 'respondent.erased') await eraseRespondent(tx, doc.respondent.pseudonym, 'respondent.erased');
        return true;
      });
      opts.metrics?.webhook(stored ? 'stored' : 'duplicate');
      return reply.code(stored ? 204 : 200).send(stored ? undefined : { duplicate: true });
    });
  });
}
