import { z } from 'zod';

/**
 * The socket API between the box and the gateway (HTTP/1.1 over `<home>/gateway/gateway.sock`).
 * Both sides use these types; the gateway validates what it receives with the schemas.
 */

/** `POST /v1/exports` body: one export the box checked and wants delivered. */
export const exportRequestSchema = z
  .object({
    /** The idempotency key: also sent to the receiver as the `Idempotency-Key` header. */
    id: z.string().regex(/^[A-Za-z0-9._:-]{1,128}$/, 'use 1-128 of A-Z a-z 0-9 . _ : -'),
    appId: z.string().min(1).max(200),
    runId: z.string().min(1).max(200),
    destination: z
      .object({
        id: z.string().min(1).max(200),
        url: z.string().min(1).max(2048),
        /** The householder approved this destination as on the home network. */
        allowPrivate: z.boolean(),
      })
      .strict(),
    payload: z.unknown().refine((v) => v !== undefined, 'payload is required'),
    /** Hex sha256 of `JSON.stringify(payload)`, the exact bytes sent. */
    payloadSha256: z.string().regex(/^[0-9a-f]{64}$/, 'lowercase hex sha256'),
    createdAt: z.number().int().nonnegative(),
  })
  .strict();
export type ExportRequest = z.infer<typeof exportRequestSchema>;

export type ExportStatus = 'queued' | 'delivering' | 'delivered' | 'failed';

/** `GET /v1/exports/:id`. */
export interface ExportStatusView {
  id: string;
  status: ExportStatus;
  attempts: number;
  lastError?: string;
  responseStatus?: number;
  deliveredAt?: number;
  nextAttemptAt?: number;
}

/**
 * One entry of the append-only delivery log (`GET /v1/events`): `attempt` = an attempt that did
 * not deliver and will be retried (including one interrupted by a stop or crash), `delivered` =
 * a 2xx, `failed` = given up (the householder may retry it). `bytes` = request bytes sent.
 */
export interface DeliveryEvent {
  seq: number;
  id: string;
  type: 'attempt' | 'delivered' | 'failed';
  at: number;
  attempt: number;
  responseStatus?: number;
  error?: string;
  bytes: number;
}

/** `GET /v1/health`. */
export interface GatewayHealth {
  ok: true;
  queued: number;
  delivering: number;
  failed: number;
}
