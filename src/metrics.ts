import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Runner, Turn, TurnResult } from './turns/runner.js';
import type { Counts } from './delivery/queue.js';
import type { LoadedFlow } from './survey/schema.js';

/**
 * Prometheus metrics of one bot process, on a registry of its own (tests run several servers in one process).
 * Labels are bounded sets — channel prefix, input kind, flow id, item id, safety category, lane, result — never
 * text, names, pseudonyms or platform ids. Every series counts this process only: sum over replicas in queries.
 */
export interface Metrics {
  registry: Registry;
  /** Observes the runner, so every turn (channels, timers) is counted through one seam. */
  observe(runner: Runner): void;
  /** One delivery attempt ended: `delivered`, `retry`, `dead` (moved to dead letters) or `forgotten` ("/wis"). */
  deliveryAttempt(lane: string, result: string): void;
  /** An 'error' event of a Redis connection (core connection, queue, worker). */
  redisError(source: string): void;
  /** A platform request that is not a well-formed update/activity: acknowledged and ignored. */
  malformed(channel: string): void;
  /** A platform's error code for a message it refused or could not deliver (WhatsApp: Cloud API codes). */
  platformError(channel: string, code: string): void;
}

export interface MetricsOptions {
  /** Delivery backlog, read at scrape time; undefined when responses go to the file sink. */
  backlog?: () => Promise<Counts>;
  /** Include Node's default process metrics (CPU, memory, event loop lag, GC). Default true. */
  defaults?: boolean;
}

export const PREFIX = 'feedbackbot_';

/** Turn latency buckets: a turn is a few Redis round trips (ms), a contended or slow one hundreds of ms. */
const LATENCY_BUCKETS = [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

export function createMetrics(opts: MetricsOptions = {}): Metrics {
  const registry = new Registry();
  if (opts.defaults !== false) collectDefaultMetrics({ register: registry });
  const registers = [registry];
  const turns = new Counter({ name: `${PREFIX}turns_total`, help: 'Turns handled, by channel (key prefix), input kind and outcome (ok, duplicate, error)', labelNames: ['channel', 'input', 'outcome'], registers });
  const latency = new Histogram({ name: `${PREFIX}turn_duration_seconds`, help: 'Time to handle one turn (load, step, save, queue), by channel', labelNames: ['channel'], buckets: LATENCY_BUCKETS, registers });
  const started = new Counter({ name: `${PREFIX}checkins_started_total`, help: 'Check-ins whose first question was asked, per flow', labelNames: ['flow'], registers });
  const answers = new Counter({ name: `${PREFIX}answers_total`, help: 'Answers recorded, per flow and item', labelNames: ['flow', 'item'], registers });
  const completions = new Counter({ name: `${PREFIX}completions_total`, help: 'Check-ins completed and sent, per flow', labelNames: ['flow'], registers });
  const dropoffs = new Counter({ name: `${PREFIX}dropoffs_total`, help: 'Check-ins ended unfinished (stop or expire), per flow and the item they stopped at', labelNames: ['flow', 'item', 'reason'], registers });
  const safety = new Counter({ name: `${PREFIX}safety_signals_total`, help: 'Safety-net signals raised, per flow and category', labelNames: ['flow', 'category'], registers });
  const attempts = new Counter({ name: `${PREFIX}delivery_attempts_total`, help: 'Webhook delivery attempts that ended, by lane and result (delivered, retry, dead, forgotten)', labelNames: ['lane', 'result'], registers });
  const malformed = new Counter({ name: `${PREFIX}malformed_requests_total`, help: 'Platform requests acknowledged and ignored because they were not well-formed, by channel', labelNames: ['channel'], registers });
  const platformErrors = new Counter({ name: `${PREFIX}platform_errors_total`, help: 'Messages a platform refused or could not deliver, by channel and the platform\'s error code', labelNames: ['channel', 'code'], registers });
  const redisErrors = new Counter({ name: `${PREFIX}redis_errors_total`, help: "Redis connection 'error' events, by source (core, delivery, timers)", labelNames: ['source'], registers });
  const { backlog } = opts;
  new Gauge({
    name: `${PREFIX}delivery_backlog`,
    help: 'Documents not yet delivered, by lane and state (waiting, delayed, active, failed; lane "all" state "dead" = dead letters), read at scrape',
    labelNames: ['lane', 'state'],
    registers,
    async collect() {
      if (!backlog) return;
      const counts = await backlog();
      for (const lane of ['response', 'safety'] as const) {
        for (const [state, n] of Object.entries(counts[lane])) this.set({ lane, state }, n);
      }
      this.set({ lane: 'all', state: 'dead' }, counts.dead);
    },
  });

  function count(runner: Runner, turn: Turn, result: TurnResult): void {
    const flow = result.state ? runner.flowOf(result.state) : undefined;
    for (const e of result.events) {
      if (e.type === 'checkin.started' && flow) started.inc({ flow: flow.id });
      if (e.type === 'answer.recorded' && flow) answers.inc({ flow: flow.id, item: e.item });
      if (e.type === 'response.completed') completions.inc({ flow: e.response.flow.id });
      if (e.type === 'response.partial') {
        const reason = turn.input.kind === 'timer' && turn.input.timer === 'expire' ? 'expire' : 'stop';
        dropoffs.inc({ flow: e.response.flow.id, item: stoppedAt(flow, result) ?? 'none', reason });
      }
      if (e.type === 'safety.signal') for (const category of e.signal.categories) safety.inc({ flow: e.signal.flow.id, category });
    }
  }

  return {
    registry,
    observe(runner) {
      runner.observe({
        ended(turn, outcome, seconds, result) {
          const channel = turn.key.slice(0, Math.max(0, turn.key.indexOf(':'))) || 'none';
          latency.observe({ channel }, seconds);
          turns.inc({ channel, input: turn.input.kind, outcome });
          if (result && outcome === 'ok') count(runner, turn, result);
        },
      });
    },
    deliveryAttempt: (lane, result) => attempts.inc({ lane, result }),
    redisError: (source) => redisErrors.inc({ source }),
    malformed: (channel) => malformed.inc({ channel }),
    platformError: (channel, code) => platformErrors.inc({ channel, code }),
  };
}

/** The item the respondent was at when the conversation ended unfinished (the cursor survives the close). */
function stoppedAt(flow: LoadedFlow | undefined, result: TurnResult): string | undefined {
  return result.state && flow ? flow.items[result.state.context.cursor]?.id : undefined;
}
