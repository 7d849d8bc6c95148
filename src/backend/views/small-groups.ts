import { aggregateVisible } from '../access.js';

export interface Group {
  key: string;
  responses: number;
}

export interface GroupPlan {
  /** Groups shown on their own. */
  shown: string[];
  /** Groups shown only together, as one row (empty when none). */
  together: string[];
  /** Whether that combined row may be shown: it too needs enough responses. */
  togetherVisible: boolean;
}

/**
 * Which groups (teams) may be shown on their own. A group of fewer than MIN_GROUP_SIZE responses never is; the
 * small ones are pooled into one row. When that pool is itself too small while the total is on the page, the
 * total minus the shown groups would give it away, so the smallest shown group joins the pool.
 */
export function planGroups(groups: Group[]): GroupPlan {
  const sorted = [...groups].sort((a, b) => a.responses - b.responses || a.key.localeCompare(b.key));
  const shown = sorted.filter((g) => aggregateVisible(g.responses));
  const together = sorted.filter((g) => !aggregateVisible(g.responses));
  const pooled = () => together.reduce((n, g) => n + g.responses, 0);
  if (together.length && !aggregateVisible(pooled()) && shown.length) together.push(shown.shift()!);
  return { shown: shown.map((g) => g.key).sort(), together: together.map((g) => g.key).sort(), togetherVisible: together.length > 0 && aggregateVisible(pooled()) };
}
