import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createDelivery } from '../../src/delivery/index.js';
import { FileSink } from '../../src/delivery/sink.js';
import { response, safetySignal } from './support/docs.js';
import { captureLog } from './support/wait.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'delivery-sink-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const lines = async (file: string) => (await readFile(join(dir, file), 'utf8')).split('\n').filter(Boolean);

describe('FileSink (embedded default)', () => {
  it('is what createDelivery returns without Redis', async () => {
    expect(await createDelivery({ dataDir: dir, log: captureLog() })).toBeInstanceOf(FileSink);
  });

  it('appends one complete line per document, 200 at once, each id once', async () => {
    const sink = new FileSink(dir);
    const docs = Array.from({ length: 200 }, (_, i) => response(i));
    await Promise.all([...docs, ...docs.slice(0, 50)].map((doc) => sink.enqueueResponse(doc)));
    const written = (await lines('responses.jsonl')).map((line) => JSON.parse(line) as { id: string });
    expect(written).toHaveLength(200);
    expect(new Set(written.map((d) => d.id))).toEqual(new Set(docs.map((d) => d.id)));
  });

  it('remembers ids already in the file after a restart', async () => {
    const doc = response(1);
    await new FileSink(dir).enqueueResponse(doc);
    await new FileSink(dir).enqueueResponse(doc);
    expect(await lines('responses.jsonl')).toHaveLength(1);
  });

  it('writes safety signals to their own file and lists both for the respondent as delivered', async () => {
    const sink = new FileSink(dir);
    const doc = response(1, 'ps_a');
    const signal = safetySignal(2, 'ps_a');
    await sink.enqueueResponse(doc);
    await sink.enqueueSafety(signal);
    await sink.enqueueResponse(response(3, 'ps_b'));
    expect(await lines('safety.jsonl')).toHaveLength(1);
    expect(await sink.listFor('ps_a')).toEqual([
      { id: doc.id, type: 'response.completed', state: 'delivered', at: doc.completedAt },
      { id: signal.id, type: 'safety.signal', state: 'delivered', at: signal.at },
    ]);
    expect(await sink.forget('ps_a')).toEqual({ removed: 0, alreadySent: 2 });
  });

  it('refuses a document with fields beyond the contract (e.g. a name)', async () => {
    const leaky = { ...response(1), respondent: { role: 'parent', ageBand: null, pseudonym: 'ps_1', firstName: 'An' } };
    await expect(new FileSink(dir).enqueueResponse(leaky as never)).rejects.toThrow();
  });
});
