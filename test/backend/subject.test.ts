import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBackendCli } from '../../src/backend/cli.js';
import { DATABASES } from '../support/postgres.js';
import { converse, postWebhook, testBackend, type TestBackend } from './support.js';

const periods = { freeTextDays: 30, scoresDays: 365, auditDays: 90 };

describe.each(DATABASES)('subject access and erasure by the operator on %s', (kind) => {
  let b: TestBackend;
  const run = async (...argv: string[]) => {
    const lines: string[] = [];
    const code = await runBackendCli(argv, b.db, periods, (l) => lines.push(l));
    return { code, out: lines.join('\n') };
  };
  beforeAll(async () => {
    b = await testBackend(kind);
    const runs = [
      converse('parent-checkin', { id: 'chk_s1', caseRef: 'SAR-1', pseudonym: 'ps_parent' }, { comment: 'Het gaat beter.', values: { p_safety_scale: 1 } }),
      converse('child-checkin', { id: 'chk_s2', caseRef: 'SAR-1', pseudonym: 'ps_child', ageBand: 'young' }),
      converse('parent-checkin', { id: 'chk_s3', caseRef: 'SAR-2', pseudonym: 'ps_other' }),
    ];
    for (const r of runs) for (const doc of [r.response, ...r.signals]) expect((await postWebhook(b.app, doc)).statusCode).toBe(204);
  });
  afterAll(() => b.close());

  it('prints everything held about one respondent, or about every respondent of a case', async () => {
    const one = await run('access', '--pseudonym', 'ps_parent');
    expect(one.code).toBe(0);
    const data = JSON.parse(one.out);
    expect(data.responses).toHaveLength(1);
    expect(data.responses[0]).toMatchObject({ checkin_id: 'chk_s1', freeTexts: [expect.objectContaining({ body: 'Het gaat beter.' })] });
    expect(data.responses[0].answers.length).toBeGreaterThan(0);
    expect(data.safetySignals).toHaveLength(1);
    const family = JSON.parse((await run('access', '--case', 'SAR-1')).out);
    expect(family.responses.map((r: { respondent_pseudonym: string }) => r.respondent_pseudonym).sort()).toEqual(['ps_child', 'ps_parent']);
    expect(JSON.stringify(family)).not.toContain('ps_other');
  });

  it('erases one respondent on request and logs the erasure without them', async () => {
    expect((await run('erase', '--pseudonym', 'ps_parent')).out).toBe('{"responses":1,"signals":1}');
    expect(JSON.parse((await run('access', '--pseudonym', 'ps_parent')).out)).toMatchObject({ responses: [], safetySignals: [] });
    expect(JSON.parse((await run('access', '--case', 'SAR-1')).out).responses).toHaveLength(1);
    expect(await b.db.query('SELECT reason, responses, signals FROM erasure_log')).toEqual([{ reason: 'request', responses: 1, signals: 1 }]);
  });

  it('answers a wrong command with its usage and exit code 2', async () => {
    for (const argv of [[], ['access'], ['access', '--case', 'X', '--pseudonym', 'Y'], ['erase'], ['drop']]) {
      const r = await run(...argv);
      expect(r.code).toBe(2);
      expect(r.out).toMatch(/^usage:/);
    }
  });
});
