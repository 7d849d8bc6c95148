import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

/**
 * The layering rules (.dependency-cruiser.cjs) hold on src/, and each of them bites: the fixture tree in
 * test/fixtures/layering/ has one deliberately wrong import per rule.
 */

interface Violation {
  from: string;
  to: string;
  rule: { name: string };
  cycle?: Array<{ name: string }>;
}

const bin = fileURLToPath(new URL('../../node_modules/dependency-cruiser/bin/dependency-cruise.mjs', import.meta.url));

async function cruise(dir: string): Promise<Violation[]> {
  const args = [bin, dir, '--config', '.dependency-cruiser.cjs', '--output-type', 'json'];
  // Violations exit non-zero; the report is on stdout either way.
  const { stdout } = await promisify(execFile)(process.execPath, args, { maxBuffer: 64 * 1024 * 1024 }).catch((err: { stdout?: string }) => ({ stdout: err.stdout ?? '' }));
  return (JSON.parse(stdout) as { summary: { violations: Violation[] } }).summary.violations;
}

const show = (v: Violation) => `${v.rule.name}: ${v.from} → ${v.to}`;

describe('layering', () => {
  it('src/ breaks no rule: a pure engine, one folder per channel reached through the list, no cycles', async () => {
    const violations = await cruise('src');
    expect(violations.map(show)).toEqual([]);
  });

  it('every rule reports its deliberately wrong import in the fixture tree, and only those', async () => {
    const found = (await cruise('test/fixtures/layering/src')).map((v) => `${v.rule.name}: ${v.from.replace(/^.*\/src\//, '')} → ${v.to.replace(/^.*\/src\//, '')}`).sort();
    expect(found).toEqual([
      'backend-is-separate: backend/server.ts → turns/runner.ts',
      'channel-to-channel: channels/telegram/channel.ts → channels/whatsapp/render.ts',
      'channels-through-the-list: conversation/engine.ts → channels/telegram/channel.ts',
      'channels-through-the-list: turns/runner.ts → channels/whatsapp/render.ts',
      'engine-is-pure: conversation/engine.ts → channels/telegram/channel.ts',
      'kit-names-no-channel: channels/kit/lanes.ts → channels/telegram/channel.ts',
      'no-circular: sessions/codec.ts → sessions/store.ts',
    ]);
  });
});
