import { Agent as HttpAgent, request as httpRequest, type IncomingMessage, type RequestOptions } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { ApiClientOptions } from 'grammy';

/**
 * The HTTP client grammY calls the Bot API with. grammY's default, node-fetch on a keep-alive agent, builds a
 * Request, Headers and body streams for every call: measured, it was the largest part of the bot's CPU per
 * turn and much of its garbage. Every call this bot makes is a small JSON POST (no file uploads), which this
 * sends with node:http(s) on its own keep-alive agent and reads back as text; anything else (a multipart
 * upload) goes to the platform's `fetch`. grammY only reads `json()` of the response, and aborts by `signal`.
 */
type GrammyFetch = NonNullable<ApiClientOptions['fetch']>;

interface CallInit {
  method?: string;
  headers?: Record<string, string>;
  body?: unknown;
  signal?: AbortSignal;
}

export function botApiFetch(apiRoot: string): GrammyFetch {
  const https = apiRoot.startsWith('https:');
  const agent = https ? new HttpsAgent({ keepAlive: true, scheduling: 'lifo' }) : new HttpAgent({ keepAlive: true, scheduling: 'lifo' });
  const send = https ? httpsRequest : httpRequest;

  function call(url: string, init: CallInit): Promise<{ json(): Promise<unknown> }> {
    const body = init.body as string;
    const options: RequestOptions = {
      method: init.method ?? 'POST', agent,
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      ...(init.signal ? { signal: init.signal } : {}),
    };
    return new Promise((resolve, reject) => {
      const req = send(url, options, (res: IncomingMessage) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ json: async () => JSON.parse(text) as unknown }));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(body);
    });
  }

  const fetchJson = (url: unknown, init?: CallInit) =>
    typeof init?.body === 'string' ? call(String(url), init) : fetch(url as string, init as RequestInit);
  // grammY types `fetch` as node-fetch's; it uses only the call's promise and `json()` of what it resolves to.
  return fetchJson as unknown as GrammyFetch;
}
