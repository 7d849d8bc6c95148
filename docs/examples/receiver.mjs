// A sample backend receiver: verifies each delivery (Standard Webhooks) and prints what arrived.
// Answers 2xx only after verifying; the bot retries anything else. Run: node docs/examples/receiver.mjs
import { createServer } from 'node:http';
import { Webhook } from 'standardwebhooks';

const secret = (process.env.RESPONSES_WEBHOOK_SECRET ?? '').split(',')[0];
if (!secret) throw new Error('set RESPONSES_WEBHOOK_SECRET (whsec_…)');
const webhook = new Webhook(secret.replace(/^whsec_/, ''));

createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks).toString('utf8');
    try {
      const doc = webhook.verify(body, req.headers);
      console.log(JSON.stringify({ id: req.headers['webhook-id'], type: doc.type, flow: doc.flow?.id, scores: doc.scores }));
      res.writeHead(204).end();
    } catch {
      res.writeHead(400).end('bad signature');
    }
  });
}).listen(Number(process.env.PORT ?? 8080), () => console.log('receiver listening'));
