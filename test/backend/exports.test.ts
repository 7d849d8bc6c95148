import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ResponseDocument } from '../../src/survey/payload.js';
import { score } from '../../src/survey/score.js';
import type { AnswerValues } from '../../src/survey/route.js';
import { DATABASES } from '../support/postgres.js';
import { as, bank, converse, postWebhook, testBackend, type TestBackend } from './support.js';

type Row = Record<string, string>;
const rows = (csv: string): Row[] => parse(csv, { columns: true, skip_empty_lines: true });

describe.each(DATABASES)('research exports on %s', (kind) => {
  let b: TestBackend;
  const docs: ResponseDocument[] = [];
  beforeAll(async () => {
    b = await testBackend(kind);
    const day = Date.parse('2026-11-02T09:00:00Z');
    // Three check-ins of one family over three weeks, another family, a child and a dontKnow/skip mix.
    const plan: [string, Parameters<typeof converse>[1], Parameters<typeof converse>[2]][] = [
      ['parent-checkin', { id: 'chk_e1', caseRef: 'FAM-1', teamRef: 'Team Noord', pseudonym: 'ps_e1' }, { values: { p_heard: 5, p_safety_scale: 7 }, comment: '=HYPERLINK("x")' }],
      ['parent-checkin', { id: 'chk_e2', caseRef: 'FAM-1', teamRef: 'Team Noord', pseudonym: 'ps_e1' }, { values: { p_heard: 2, p_transparent: 'dk', p_safety_scale: 3 } }],
      ['parent-checkin', { id: 'chk_e3', caseRef: 'FAM-1', teamRef: 'Team Noord', pseudonym: 'ps_e1' }, { values: { p_worries_clear: 'skip', p_next_steps_clear: 1 } }],
      ['parent-checkin', { id: 'chk_e4', caseRef: 'FAM-2', teamRef: 'Team Zuid', pseudonym: 'ps_e4' }, { values: { p_heard: 1, p_transparent: 1, p_worries_clear: 'dk', p_next_steps_clear: 'dk' } }],
      ['child-checkin', { id: 'chk_e5', caseRef: 'FAM-2', teamRef: 'Team Zuid', pseudonym: 'ps_e5', ageBand: 'teen' }, { text: 'Meer tijd, graag.' }],
    ];
    for (const [i, [flow, info, answers]] of plan.entries()) {
      const { response } = converse(flow, info, answers, day + i * 7 * 86_400_000);
      docs.push(response);
      expect((await postWebhook(b.app, response)).statusCode).toBe(204);
    }
  });
  afterAll(() => b.close());

  it('long export: one row per answer, and the domain scores recomputed from it with the bot\'s scoring equal the payloads', async () => {
    const researcher = await as(b.app, b.db, { email: `r-long@example.org`, role: 'researcher' });
    const res = await researcher.get('/exports/answers.csv');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/csv');
    expect(res.headers['content-disposition']).toBe('attachment; filename="answers.csv"');
    const long = rows(res.body);
    expect(long).toHaveLength(docs.reduce((n, d) => n + d.answers.length, 0));

    const byResponse = new Map<string, Row[]>();
    for (const r of long) byResponse.set(r.response_id!, [...(byResponse.get(r.response_id!) ?? []), r]);
    expect(byResponse.size).toBe(docs.length);
    for (const doc of docs) {
      const own = byResponse.get(doc.id)!;
      const flow = bank.versions.get(`${own[0]!.flow_id}@${own[0]!.flow_version}`)!;
      expect(own[0]!.flow_hash).toBe(flow.hash);
      const answers: AnswerValues = {};
      for (const r of own) if (r.status === 'answered' && r.value !== '') answers[r.item!] = { v: Number.isNaN(Number(r.value)) ? r.value! : Number(r.value) };
      const recomputed = score(flow, answers, false).domains;
      expect(recomputed, doc.id).toEqual(doc.scores);
    }
  });

  it('pseudonymises case references, keeps the team, and leaves free text out for a researcher without the grant', async () => {
    const researcher = await as(b.app, b.db, { email: 'r-plain@example.org', role: 'researcher' });
    const body = (await researcher.get('/exports/answers.csv')).body + (await researcher.get('/exports/responses.csv')).body;
    expect(body).not.toContain('FAM-1');
    expect(body).not.toContain('Meer tijd');
    expect(body).not.toContain('HYPERLINK');
    const long = rows((await researcher.get('/exports/answers.csv')).body);
    const keys = new Set(long.filter((r) => r.team_ref === 'Team Noord').map((r) => r.case_key));
    expect([...keys]).toEqual([expect.stringMatching(/^c_[\w-]{16}$/)]); // one family, one stable key
  });

  it('gives free text to a granted researcher, neutralising spreadsheet formulas', async () => {
    const granted = await as(b.app, b.db, { email: 'r-granted@example.org', role: 'researcher', freeTextGranted: true });
    const long = rows((await granted.get('/exports/answers.csv')).body);
    expect(long.find((r) => r.value === 'Meer tijd, graag.')).toBeDefined();
    expect(long.find((r) => r.comment !== '')?.comment).toBe(`'=HYPERLINK("x")`);
  });

  it('wide export: one row per response, a column per item, per domain score and per flag', async () => {
    const admin = await as(b.app, b.db, { email: 'a-wide@example.org', role: 'admin' });
    const res = await admin.get('/exports/responses.csv?flow=parent-checkin');
    const wide = rows(res.body);
    expect(wide).toHaveLength(4);
    const header = Object.keys(wide[0]!);
    expect(header).toEqual(expect.arrayContaining(['response_id', 'case_key', 'p_heard', 'p_safety_scale', 'p_safety_why', 'score_fidelity', 'score_safety', 'flag_lowSafety']));
    for (const doc of docs.filter((d) => d.flow.id === 'parent-checkin')) {
      const row = wide.find((r) => r.response_id === doc.id)!;
      for (const a of doc.answers) if (typeof a.value === 'number') expect(row[a.item]).toBe(String(a.value));
      for (const [domain, s] of Object.entries(doc.scores)) expect(row[`score_${domain}`]).toBe(s.score === null ? '' : String(s.score));
      expect(row.flag_lowSafety).toBe(doc.flags.lowSafety ? '1' : '0');
    }
  });

  it('filters by flow, version and date range', async () => {
    const admin = await as(b.app, b.db, { email: 'a-filter@example.org', role: 'admin' });
    const ids = async (q: string) => new Set(rows((await admin.get(`/exports/responses.csv?${q}`)).body).map((r) => r.response_id));
    expect(await ids('flow=child-checkin')).toEqual(new Set([docs[4]!.id]));
    expect(await ids('flow=parent-checkin&version=2')).toEqual(new Set());
    expect(await ids('from=2026-11-09&to=2026-11-16')).toEqual(new Set([docs[1]!.id, docs[2]!.id]));
    const bad = await admin.get('/exports/answers.csv?from=yesterday&version=x&color=red');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().problems.join(' ')).toMatch(/from.*version|version.*from/);
  });

  it('codebook: items with wording per language, scales with labels, domains, reverse items, flow versions and hashes', async () => {
    const researcher = await as(b.app, b.db, { email: 'r-codebook@example.org', role: 'researcher' });
    const book = (await researcher.get('/exports/codebook.json')).json();
    const parent = book.flows.find((f: { id: string }) => f.id === 'parent-checkin');
    const flow = bank.flows.get('parent-checkin')!;
    expect(parent).toMatchObject({ version: flow.version, hash: flow.hash, domains: flow.scoring.domains });
    const heard = parent.items.find((i: { id: string }) => i.id === 'p_heard');
    expect(heard.wording).toEqual({ nl: expect.any(String), fr: expect.any(String), en: 'I feel heard and respected as a person.' });
    expect(heard).toMatchObject({ kind: 'scale', scale: 'agree5', column: 'p_heard' });
    expect(parent.scales.agree5.labels['1'].en).toBe('strongly disagree');
    expect(parent.items.find((i: { id: string }) => i.id === 'p_safety_why')).toMatchObject({ freeText: true, followUpOf: 'p_safety_scale' });
    expect(parent.reverseItems).toEqual(flow.items.filter((i) => i.kind === 'scale' && i.reverse).map((i) => i.id));
    const child = book.flows.find((f: { id: string }) => f.id === 'child-checkin');
    expect(Object.keys(child.items[0].wording.en)).toEqual(bank.flows.get('child-checkin')!.audience.ageBands);
    expect(book.versionsInData).toContainEqual(expect.objectContaining({ flow: 'parent-checkin', version: 1, hash: flow.hash, responses: 4, known: true }));
    expect(book.columns['answers.csv'].map((c: { name: string }) => c.name)).toEqual(Object.keys(rows((await researcher.get('/exports/answers.csv')).body)[0]!));
  });
});
