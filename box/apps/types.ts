/**
 * Shapes of the app platform as the box stores and reports them: installs, grants, consents,
 * runs, insights and export requests.
 */
import type { Manifest } from '../../apps-sdk/src/manifest.ts';
import type { LedgerStatus } from '../exports/types.ts';
import type { Aggregate, ReadResolution } from '../store/types.ts';

export interface InstalledApp {
  id: string;
  version: string;
  name: string;
  manifest: Manifest;
  /** Where the app's files were copied: `<home>/apps/<id>/<version>`. */
  dir: string;
  installedAt: number;
  updatedAt: number;
}

/** One request of an app mapped by the householder to a datasource. */
export interface Grant {
  grantId: number;
  receiptId: string;
  appId: string;
  /** Name of the manifest request. */
  request: string;
  datasource: string;
  kind: string;
  /** The finest resolution the app may read at. */
  resolution: ReadResolution;
  /** ISO 8601 duration of history the app may read back from now. */
  history: string;
  historyMs: number;
  aggregates: Aggregate[];
  grantedAt: number;
  expiresAt: number;
  revokedAt: number | null;
  supersededAt: number | null;
}

/** One consent: the result of an install or a change of grant, with its receipt. */
export interface Consent {
  receiptId: string;
  appId: string;
  appVersion: string;
  createdAt: number;
  expiresAt: number;
  /** Export destinations (ids of the manifest's `exports`) the householder approved. */
  destinations: string[];
  /** Whether the householder lets the app know the box's time zone (read from the receipt). */
  timeZone: boolean;
  receipt: Record<string, unknown>;
  supersededAt: number | null;
}

/** The householder's answer for one request. */
export type RequestChoice =
  | { decline: true }
  | {
      datasource: string;
      /** Defaults to the finest resolution the app lists (as the box grants it). */
      resolution?: string;
      /** ISO 8601; defaults to the app's `history`. */
      history?: string;
    };

/** Everything the householder decides at install (or change of grant). */
export interface ConsentChoices {
  /** Per manifest request name. A required request must be granted; a missing optional one is declined. */
  requests: Record<string, RequestChoice>;
  /** ISO 8601 duration from now after which every grant expires (default `P1Y`). */
  expires?: string;
  /** Ids of the manifest's exports the householder approves (default none). */
  destinations?: string[];
  /**
   * Approved destinations the householder says are on the home network (e.g. a local energy
   * display): only for these may the export gateway connect to a private address.
   */
  homeNetwork?: string[];
  /**
   * Lets the app know the box's time zone, when its manifest asks for it (`timeZone`); default
   * no. The app then reads the box's configured zone at each run, never one a client supplied.
   */
  timeZone?: boolean;
}

export type RunTrigger = 'manual' | 'interval' | 'on-new-data';
export type RunStatus = 'running' | 'ok' | 'error' | 'timeout' | 'killed';

export interface RunRecord {
  runId: string;
  appId: string;
  appVersion: string;
  trigger: RunTrigger;
  runtime: 'isolate' | 'container';
  startedAt: number;
  endedAt: number | null;
  status: RunStatus;
  durationMs: number | null;
  reads: number;
  rowsRead: number;
  insights: number;
  exports: number;
  error: string | null;
  logs: string[];
}

export interface InsightRecord {
  insightId: number;
  appId: string;
  runId: string;
  key: string;
  title: string;
  summary: string | null;
  value: number | null;
  unit: string | null;
  data: unknown;
  createdAt: number;
}

export interface ExportRecord {
  exportId: string;
  appId: string;
  runId: string;
  destination: string;
  url: string;
  payload: unknown;
  bytes: number;
  /** The export ledger's status (see `box/exports/types.ts`). */
  status: LedgerStatus;
  createdAt: number;
}
