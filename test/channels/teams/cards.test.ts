import { describe, expect, it } from 'vitest';
import { questionCard } from '../../../src/channels/teams/cards.js';
import { readMessage } from '../../../src/channels/teams/input.js';
import { checkinRequest, isWorker, teamsLink } from '../../../src/channels/teams/worker.js';

describe('Teams cards and input', () => {
  it('splits a row of more than 6 answers over several action sets (Teams shows at most 6 per set)', () => {
    const row = Array.from({ length: 11 }, (_, i) => ({ label: String(i), data: `3|p_safety_scale|a:${i}` }));
    const { card } = questionCard({ kind: 'question', text: 'Vraag 14 van 17\nHoe veilig?', ask: 'p_safety_scale', buttons: [row] }, 'Vraag 14 van 17');
    const sets = (card.body as Array<{ type: string; actions?: unknown[] }>).filter((b) => b.type === 'ActionSet');
    expect(sets.map((s) => s.actions!.length)).toEqual([6, 5]);
    expect(sets[1]!.actions![0]).toEqual({ type: 'Action.Submit', title: '6', data: { fb: '3|p_safety_scale|a:6' } });
  });

  it('reads presses, invites, the worker command and plain text', () => {
    expect(readMessage({ value: { fb: '2|intro|st' } })).toEqual({ kind: 'input', input: { kind: 'button', data: '2|intro|st' } });
    expect(readMessage({ text: 'start abcdefghijklmnop_-123' })).toEqual({ kind: 'start', token: 'abcdefghijklmnop_-123' });
    expect(readMessage({ text: '<at>Feedbackbot</at> /start abcdefghijklmnop' })).toEqual({ kind: 'start', token: 'abcdefghijklmnop' });
    expect(readMessage({ text: 'start' })).toEqual({ kind: 'input', input: { kind: 'text', text: 'start' } });
    expect(readMessage({ text: 'Check-in' })).toEqual({ kind: 'checkinForm' });
    expect(readMessage({ value: { wk: 'create', flow: 'x', n: 3 } })).toEqual({ kind: 'checkinCreate', fields: { flow: 'x' } });
    expect(readMessage({ attachments: [{}] })).toEqual({ kind: 'input', input: { kind: 'unsupported' } });
  });
});

describe('Teams workers', () => {
  const config = { TEAMS_WORKER_TENANT_ID: 'tenant-1', TEAMS_WORKER_IDS: ['7A7A7A7A-1111-4222-8333-444455556666'] };
  it('are the listed object ids in the configured tenant only', () => {
    expect(isWorker(config, { aadObjectId: '7a7a7a7a-1111-4222-8333-444455556666', tenantId: 'tenant-1' })).toBe(true);
    expect(isWorker(config, { aadObjectId: '7a7a7a7a-1111-4222-8333-444455556666', tenantId: 'tenant-2' })).toBe(false);
    expect(isWorker(config, { aadObjectId: '00000000-1111-4222-8333-444455556666', tenantId: 'tenant-1' })).toBe(false);
    expect(isWorker({}, { aadObjectId: '7a7a7a7a-1111-4222-8333-444455556666', tenantId: 'tenant-1' })).toBe(false);
  });

  it('turn the form into a check-in request, one per form card', () => {
    expect(checkinRequest({ flow: 'child-full', who: 'young', lng: 'fr', caseRef: ' D-1 ', firstName: ' An ' }, '1:form')).toEqual({
      flow: 'child-full', caseRef: 'D-1', respondent: { role: 'child', ageBand: 'young' }, worker: { firstName: 'An' }, locale: 'fr', idempotencyKey: 'teams-form:1:form',
    });
    expect(checkinRequest({ flow: 'parent-checkin', who: 'parent', lng: 'xx', caseRef: 'P' }, undefined)).toEqual({ flow: 'parent-checkin', caseRef: 'P', respondent: { role: 'parent' } });
  });

  it('get a Teams deep link that opens the bot with the invite typed in', () => {
    const url = new URL(teamsLink('app-id-1', 'tok_123'));
    expect(url.origin + url.pathname).toBe('https://teams.microsoft.com/l/chat/0/0');
    expect(url.searchParams.get('users')).toBe('28:app-id-1');
    expect(url.searchParams.get('message')).toBe('start tok_123');
  });
});
