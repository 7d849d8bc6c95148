import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createRunner, type Conversation } from '../../src/turns/runner.js';
import { FileSink } from '../../src/delivery/sink.js';
import { createMetrics } from '../../src/metrics.js';
import { MemorySessionStore } from '../../src/sessions/memory.js';
import { captureLog } from '../delivery/support/wait.js';
import { nextUpdate, Respondent, shared } from '../runner/support.js';

/** The turn metrics through the one seam (`runner.handle` wrapped), on the embedded default store: no Redis needed. */
const store = new MemorySessionStore<Conversation>();
const runner = createRunner({ ...shared, store, delivery: new FileSink(mkdtempSync(join(tmpdir(), 'fb-metrics-'))), log: captureLog() });
const metrics = createMetrics({ defaults: false });
metrics.observe(runner);
afterAll(() => store.close());

const value = async (name: string, labels: Record<string, string>) =>
  (await metrics.registry.getSingleMetric(name)!.get()).values.find((v) => Object.entries(labels).every(([k, x]) => v.labels[k] === x))?.value ?? 0;
const items = shared.bank.flows.get('parent-full')!.items.map((i) => i.id);

describe('metrics of turns', () => {
  it('counts a stop as a drop-off at the question the respondent was on', async () => {
    const r = new Respondent(runner);
    await r.open('parent-full');
    await r.press('Start');
    await r.press(/./);
    await r.press(/./);
    await r.say('/stop');
    await r.press('Ja, stop');
    expect(await value('feedbackbot_dropoffs_total', { flow: 'parent-full', reason: 'stop', item: items[2]! })).toBe(1);
    expect(await value('feedbackbot_answers_total', { flow: 'parent-full', item: items[0]! })).toBe(1);
    expect(await value('feedbackbot_checkins_started_total', { flow: 'parent-full' })).toBe(1);
  });

  it('counts an expiry as a drop-off with its reason, and a redelivered update as a duplicate', async () => {
    const r = new Respondent(runner);
    await r.open('parent-full');
    await r.press('Start');
    const id = nextUpdate();
    await r.send(r.button(/./), id);
    await r.send(r.button(/./), id);
    await r.send({ kind: 'timer', timer: 'expire' }, undefined);
    expect(await value('feedbackbot_dropoffs_total', { flow: 'parent-full', reason: 'expire', item: items[1]! })).toBe(1);
    expect(await value('feedbackbot_turns_total', { channel: 'tg', input: 'button', outcome: 'duplicate' })).toBe(1);
    expect(await value('feedbackbot_turns_total', { channel: 'tg', input: 'timer', outcome: 'ok' })).toBe(1);
    expect(await value('feedbackbot_turns_total', { channel: 'tg', input: 'open', outcome: 'ok' })).toBe(2);
  });

  it('times every turn it counts', async () => {
    const text = await metrics.registry.metrics();
    const turns = [...text.matchAll(/^feedbackbot_turns_total\{[^}]*\} (\d+)$/gm)].reduce((n, m) => n + Number(m[1]), 0);
    expect(turns).toBe(11);
    expect(text).toContain(`feedbackbot_turn_duration_seconds_count{channel="tg"} ${turns}`);
  });
});
