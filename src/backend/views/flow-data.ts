import type { Db } from '../db/port.js';

export interface FlowTotals {
  responses: number;
  completed: number;
  checkins: number;
  versions: number[];
}

export interface ItemCounts {
  /** Responses in which the item was put (answered, "don't know" or skipped). */
  reached: number;
  /** Partly answered responses that ended at this item. */
  stoppedAfter: number;
  /** Answers by value (scale value or option code), "dontKnow" and "skipped". */
  values: Map<string, number>;
}

export interface TeamFigures {
  team: string;
  responses: number;
  completed: number;
  /** Per domain: the sum of scores and how many were scored (so pooled teams average correctly). */
  domains: Map<string, { sum: number; scored: number }>;
}

export async function flowTotals(db: Db, flowId: string): Promise<FlowTotals> {
  const [row] = await db.query<{ responses: number; completed: number; checkins: number; versions: number[] | null }>(
    `SELECT count(*) AS responses, count(*) FILTER (WHERE type = 'response.completed') AS completed, count(DISTINCT checkin_id) AS checkins,
       array_agg(DISTINCT flow_version) AS versions FROM responses WHERE flow_id = $1`, [flowId]);
  return { responses: Number(row!.responses), completed: Number(row!.completed), checkins: Number(row!.checkins), versions: (row!.versions ?? []).map(Number).sort((a, b) => a - b) };
}

/** Per item: how often it was put, where partly answered responses stopped, and the answers given. */
export async function itemCounts(db: Db, flowId: string): Promise<{ items: Map<string, ItemCounts>; stoppedBeforeAny: number }> {
  const items = new Map<string, ItemCounts>();
  const of = (item: string) => items.get(item) ?? items.set(item, { reached: 0, stoppedAfter: 0, values: new Map() }).get(item)!;
  const answers = await db.query<{ item: string; status: string; value: string | null; n: number }>(
    `SELECT a.item, a.status, coalesce(a.value_code, a.value_num::text) AS value, count(*) AS n FROM answers a JOIN responses r ON r.id = a.response_id
     WHERE r.flow_id = $1 GROUP BY a.item, a.status, 3`, [flowId]);
  for (const a of answers) {
    const counts = of(a.item);
    counts.reached += Number(a.n);
    const key = a.status === 'answered' ? (a.value ?? 'answered') : a.status;
    counts.values.set(key, (counts.values.get(key) ?? 0) + Number(a.n));
  }
  const stops = await db.query<{ item: string; n: number }>(
    `SELECT last.item, count(*) AS n FROM (SELECT DISTINCT ON (a.response_id) a.response_id, a.item FROM answers a JOIN responses r ON r.id = a.response_id
       WHERE r.flow_id = $1 AND r.type = 'response.partial' ORDER BY a.response_id, a.position DESC) last GROUP BY last.item`, [flowId]);
  for (const s of stops) of(s.item).stoppedAfter = Number(s.n);
  const [none] = await db.query<{ n: number }>(
    `SELECT count(*) AS n FROM responses r WHERE r.flow_id = $1 AND r.type = 'response.partial' AND NOT EXISTS (SELECT 1 FROM answers a WHERE a.response_id = r.id)`, [flowId]);
  return { items, stoppedBeforeAny: Number(none!.n) };
}

/** Figures per team reference; responses without one form the group ''. */
export async function teamFigures(db: Db, flowId: string): Promise<TeamFigures[]> {
  const teams = await db.query<{ team: string; responses: number; completed: number }>(
    `SELECT coalesce(team_ref, '') AS team, count(*) AS responses, count(*) FILTER (WHERE type = 'response.completed') AS completed
     FROM responses WHERE flow_id = $1 GROUP BY 1`, [flowId]);
  const byTeam = new Map(teams.map((t) => [t.team, { team: t.team, responses: Number(t.responses), completed: Number(t.completed), domains: new Map() } as TeamFigures]));
  const scores = await db.query<{ team: string; domain: string; sum: number | null; scored: number }>(
    `SELECT coalesce(r.team_ref, '') AS team, d.domain, sum(d.score) AS sum, count(d.score) AS scored FROM domain_scores d JOIN responses r ON r.id = d.response_id
     WHERE r.flow_id = $1 GROUP BY 1, 2`, [flowId]);
  for (const s of scores) byTeam.get(s.team)?.domains.set(s.domain, { sum: Number(s.sum ?? 0), scored: Number(s.scored) });
  return [...byTeam.values()];
}

/** Flows that have responses, with their counts. */
export async function flowsWithResponses(db: Db): Promise<Map<string, number>> {
  const rows = await db.query<{ flow_id: string; n: number }>('SELECT flow_id, count(*) AS n FROM responses GROUP BY flow_id', []);
  return new Map(rows.map((r) => [r.flow_id, Number(r.n)]));
}
