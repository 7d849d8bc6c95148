import { describe, expect, it } from 'vitest';
import { planGroups } from '../../../src/backend/views/small-groups.js';

describe('small groups', () => {
  it('shows groups of 5 or more on their own and pools the smaller ones when the pool is big enough', () => {
    expect(planGroups([{ key: 'A', responses: 10 }, { key: 'B', responses: 6 }, { key: 'C', responses: 3 }, { key: 'D', responses: 3 }]))
      .toEqual({ shown: ['A', 'B'], together: ['C', 'D'], togetherVisible: true });
  });

  it('adds the smallest shown group to a pool that is too small, so the total cannot give the pool away', () => {
    expect(planGroups([{ key: 'A', responses: 10 }, { key: 'B', responses: 7 }, { key: 'C', responses: 2 }]))
      .toEqual({ shown: ['A'], together: ['B', 'C'], togetherVisible: true });
  });

  it('shows nothing on its own when every group is small', () => {
    expect(planGroups([{ key: 'A', responses: 2 }, { key: 'B', responses: 1 }])).toEqual({ shown: [], together: ['A', 'B'], togetherVisible: false });
  });
});
