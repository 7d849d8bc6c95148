import { ConfigError } from './config.js';
import { FlowLoadError } from './survey/load.js';

/** Resolves at the first SIGINT or SIGTERM: a process serves until then, then shuts down in order. */
export const untilStopped = (): Promise<void> =>
  new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });

/**
 * Runs a process's `main` and exits with its code. A bad configuration or flow prints its own list of problems;
 * anything else one line naming `name`. Never a stack trace for an operator's mistake.
 */
export function runMain(name: string, main: () => Promise<number>): void {
  main().then(
    (code) => process.exit(code),
    (err: unknown) => {
      if (err instanceof ConfigError || err instanceof FlowLoadError) process.stderr.write(`${err.message}\n`);
      else process.stderr.write(`${name} could not start: ${(err as Error).message}\n`);
      process.exit(1);
    },
  );
}
