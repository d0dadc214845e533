/**
 * Shapes of the export ledger ("what left my home") and of the gateway's socket API as the box
 * sees it (see `docs/exports.md` and the gateway contract).
 */

/**
 * Where an export stands in the box:
 * - `review`: waiting for the householder (the app is in review mode);
 * - `pending`: approved (or auto), not yet accepted by the gateway's outbox;
 * - `queued`: in the gateway's durable outbox, being delivered;
 * - `retrying`: the householder asked for another try of a failed export; the box tells the gateway;
 * - `delivered`: the receiver answered 2xx;
 * - `failed`: the gateway gave up (or refused the destination);
 * - `rejected`: the householder said no; it never left the box.
 */
export const LEDGER_STATUSES = [
  'review',
  'pending',
  'queued',
  'retrying',
  'delivered',
  'failed',
  'rejected',
] as const;
export type LedgerStatus = (typeof LEDGER_STATUSES)[number];

/** Per app: deliver at once, or hold every request for the householder. */
export type ExportMode = 'auto' | 'review';

/** One row of the ledger: one export request an app made and what became of it. */
export interface LedgerEntry {
  /** Random; also the Idempotency-Key the receiver sees. */
  id: string;
  appId: string;
  runId: string;
  /** Id of the manifest's export destination. */
  destination: string;
  /** The URL the householder approved at install (from the installed manifest). */
  url: string;
  payload: unknown;
  /** Hex SHA-256 of the exact bytes sent: `JSON.stringify(payload)` (the gateway checks it; never audited). */
  sha256: string;
  /**
   * Random salt of the audit trail's `commitment = sha256(salt ‖ payload text)`; null for exports
   * made before commitments were salted (their audit entries carry `sha256`).
   */
  salt: string | null;
  bytes: number;
  status: LedgerStatus;
  attempts: number;
  /** HTTP status of the last response from the receiver, if any. */
  responseStatus: number | null;
  lastError: string | null;
  createdAt: number;
  /** When the householder approved or rejected it (or when it was auto-approved). */
  decidedAt: number | null;
  /** `auto` or `user`. */
  decidedBy: string | null;
  /** Why the householder rejected it. */
  reason: string | null;
  forwardedAt: number | null;
  deliveredAt: number | null;
  updatedAt: number;
}

export interface LedgerFilter {
  appId?: string;
  status?: LedgerStatus;
  destination?: string;
  /** Newest first; default 100, at most 1000. */
  limit?: number;
}

/**
 * The socket API's wire types come from the gateway's own protocol module, so the box and the
 * gateway cannot drift apart: a submission (`POST /v1/exports`) and a delivery-log event
 * (`GET /v1/events`).
 */
export type {
  DeliveryEvent as GatewayEvent,
  ExportRequest as GatewaySubmission,
} from '../../export-gateway/protocol.ts';
