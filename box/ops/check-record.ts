import type { Store } from '../store/store.ts';
import type { CheckReport } from './check.ts';

const KV = ['box', 'check.last'] as const;

/**
 * Keeps the last `databox check` report in the store (for status and the dashboard's health)
 * and audits it (`box.check`: which parts failed, never the file contents).
 */
export function recordCheck(store: Store, report: CheckReport): void {
  store.transaction(() => {
    store.kv.set(KV[0], KV[1], report, store.now());
    store.audit.append({
      actor: 'user',
      action: 'box.check',
      details: {
        ok: report.ok,
        ms: report.ms,
        failed: report.items.filter((i) => !i.ok).map((i) => i.name),
      },
    });
  });
}

/** The last check's report, if one was made. */
export function lastCheck(store: Store): CheckReport | undefined {
  return store.kv.get(KV[0], KV[1]) as CheckReport | undefined;
}
