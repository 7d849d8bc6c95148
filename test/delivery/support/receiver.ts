import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

/** How the receiver answers one request: a status (with headers), or never ("hang", to trigger the timeout). */
export type Answer = { status: number; headers?: Record<string, string>; delayMs?: number } | 'hang';

export interface Received {
  id: string;
  body: string;
  verified: boolean;
  answer: Answer;
  at: number;
}

/**
 * A real webhook backend on 127.0.0.1 whose answers the test scripts. While "down" nothing listens on its
 * port, so attempts meet a refused connection. Every request is checked with the `standardwebhooks` package.
 */
export class Receiver {
  readonly received: Received[] = [];
  /** Decides the answer to the n-th request (0-based) carrying this webhook-id. */
  script: (n: number, id: string) => Answer = () => ({ status: 200 });
  private server: Server | undefined;

  private constructor(
    readonly port: number,
    private readonly secret: string,
  ) {}

  /** Takes a free port without listening on it yet: the backend starts "down". */
  static async reserve(secret: string): Promise<Receiver> {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as AddressInfo;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    return new Receiver(port, secret);
  }

  static async start(secret: string): Promise<Receiver> {
    const receiver = await Receiver.reserve(secret);
    await receiver.up();
    return receiver;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/hooks`;
  }

  async up(): Promise<void> {
    const server = createServer((req, res) => {
      void readBody(req).then((body) => {
        const id = String(req.headers['webhook-id']);
        const answer = this.script(this.received.length, id);
        this.received.push({ id, body, verified: this.verify(body, req), answer, at: Date.now() });
        if (answer === 'hang') return;
        setTimeout(() => res.writeHead(answer.status, answer.headers).end(), answer.delayMs ?? 0);
      });
    });
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve));
    this.server = server;
  }

  async down(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** How many 2xx answers each webhook-id got. */
  deliveries(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const r of this.received) {
      if (r.answer !== 'hang' && r.answer.status >= 200 && r.answer.status < 300) counts.set(r.id, (counts.get(r.id) ?? 0) + 1);
    }
    return counts;
  }

  private verify(body: string, req: IncomingMessage): boolean {
    try {
      new Webhook(this.secret).verify(body, req.headers as Record<string, string>);
      return true;
    } catch {
      return false;
    }
  }
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
