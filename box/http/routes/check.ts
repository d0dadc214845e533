import { Hono } from 'hono';
import type { CheckReport } from '../../ops/check.ts';
import { lastCheck } from '../../ops/check-record.ts';
import type { Store } from '../../store/store.ts';

export interface CheckRouteDeps {
  store: Store;
  /** Runs a full check off the event loop (see `box/ops/check-child.ts`). */
  run: () => Promise<CheckReport>;
  /** What the box's start checks found, and free disk space now. */
  health: () => Record<string, unknown>;
}

/**
 * `GET /api/v1/check`: the last full check's report and the start checks; `POST /api/v1/check`
 * runs `databox check` now (in a child process) and answers with its report when it is done.
 */
export function checkRoutes(deps: CheckRouteDeps): Hono {
  const app = new Hono();
  app.get('/', (c) => c.json({ last: lastCheck(deps.store) ?? null, ...deps.health() }));
  app.post('/', async (c) => {
    const report = await deps.run();
    return c.json(report);
  });
  return app;
}
