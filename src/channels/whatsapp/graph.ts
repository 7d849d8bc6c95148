import { trimSlash } from '../../checkins/links.js';
import { sleep } from '../kit/lanes.js';
import type { Outgoing } from './render.js';

/**
 * The few Cloud API calls the channel makes, as plain `fetch` (JSON POSTs to `<root>/<phone number id>/messages`):
 * send a message, mark one read. Rate limits, Meta's passing failures and network errors are tried again with
 * exponential back-off; every other refusal reaches the caller as a `GraphError` that carries the HTTP status and
 * Meta's error code only — never Meta's message, which may quote a phone number.
 */

export interface GraphOptions {
  /** `WHATSAPP_API_ROOT`: the Graph API root including its version, or a test double. */
  apiRoot: string;
  phoneNumberId: string;
  token: string;
  /** Attempts per call, the first included (default 4). */
  attempts?: number;
  /** Back-off before retry n: `baseDelayMs · 2ⁿ⁻¹`, with jitter (default 2 s: 2, 4, 8 s, past the 6 s pair limit). */
  baseDelayMs?: number;
  timeoutMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

export class GraphError extends Error {
  constructor(readonly status: number, readonly code: number | undefined) {
    super(`Graph API answered ${status}${code === undefined ? '' : ` with code ${code}`}`);
    this.name = 'GraphError';
  }
}

/** Throughput (130429), pair (131056), spam (131048) and account (4, 80007) rate limits: wait and try again. */
const RATE_LIMITED = new Set([4, 80007, 130429, 131048, 131056]);
/** Meta's own passing failures (unknown, service unavailable, temporarily unavailable). */
const TRANSIENT = new Set([1, 2, 131000, 131016]);
/** More than 24 hours since the respondent last wrote: only a template may be sent. */
export const RE_ENGAGEMENT = 131047;
/**
 * Not deliverable to this person, whatever is tried: not on WhatsApp or unreachable (131026), not delivered by Meta's
 * choice (131049, 131050), a number in an experiment (130472), not on a test app's allowed list (131030).
 */
const UNDELIVERABLE = new Set([130472, 131026, 131030, 131049, 131050]);

export const errorCode = (err: unknown): number | undefined => (err instanceof GraphError ? err.code : undefined);
export const isUndeliverable = (err: unknown): boolean => UNDELIVERABLE.has(errorCode(err) ?? 0);
export const isOutsideWindow = (err: unknown): boolean => errorCode(err) === RE_ENGAGEMENT;
/** 132000–132999: the template is missing, not approved in this language, paused or disabled, or its parameters differ. */
export const isTemplateRefused = (err: unknown): boolean => Math.floor((errorCode(err) ?? 0) / 1000) === 132;

function retryable(err: unknown): boolean {
  if (!(err instanceof GraphError)) return true; // the network, a timeout: nothing was answered
  return err.status === 429 || err.status >= 500 || RATE_LIMITED.has(err.code ?? 0) || TRANSIENT.has(err.code ?? 0);
}

const codeOf = (body: unknown): number | undefined => {
  const code = (body as { error?: { code?: unknown } } | undefined)?.error?.code;
  return typeof code === 'number' ? code : undefined;
};

export interface GraphClient {
  /** Sends one message; resolves with its id (`wamid.…`), undefined if an accepting answer named none. */
  send(to: string, message: Outgoing): Promise<string | undefined>;
  /** Marks a received message read (blue ticks). */
  markRead(messageId: string): Promise<void>;
}

export function createGraphClient(opts: GraphOptions): GraphClient {
  const url = `${trimSlash(opts.apiRoot)}/${encodeURIComponent(opts.phoneNumberId)}/messages`;
  const attempts = opts.attempts ?? 4;
  const base = opts.baseDelayMs ?? 2000;
  const timeoutMs = opts.timeoutMs ?? 15_000;
  const wait = opts.sleep ?? sleep;

  async function once(body: Record<string, unknown>): Promise<unknown> {
    const res = await fetch(url, {
      method: 'POST',
      headers: { authorization: `Bearer ${opts.token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const json = (await res.json().catch(() => undefined)) as unknown;
    if (!res.ok) throw new GraphError(res.status, codeOf(json));
    return json;
  }

  async function post(body: Record<string, unknown>): Promise<unknown> {
    for (let n = 1; ; n++) {
      try {
        return await once(body);
      } catch (err) {
        if (n >= attempts || !retryable(err)) throw err;
        await wait(base * 2 ** (n - 1) * (0.5 + Math.random() / 2));
      }
    }
  }

  return {
    async send(to, message) {
      const answer = await post({ messaging_product: 'whatsapp', recipient_type: 'individual', to, ...message });
      const id = (answer as { messages?: Array<{ id?: unknown }> } | undefined)?.messages?.[0]?.id;
      return typeof id === 'string' ? id : undefined;
    },
    async markRead(messageId) {
      await post({ messaging_product: 'whatsapp', status: 'read', message_id: messageId });
    },
  };
}
