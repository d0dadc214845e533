import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { BadRequestError, DataboxError, issuesToDetails } from '../errors.ts';
import { InsufficientStorageError, isDiskFull } from '../ops/disk-space.ts';

/**
 * The one place errors become responses: `{ error: { code, message, details } }`. `storeFile`
 * (the database's path) names the file when SQLite reports it damaged.
 */
export function errorResponse(error: Error, c: Context, storeFile?: string): Response {
  // a full disk is the householder's to fix, not a bug: say so (507) instead of "internal error"
  if (!(error instanceof DataboxError) && isDiskFull(error)) {
    console.error(`databox: ${c.req.method} ${c.req.path} refused: the disk is full (${error.message})`);
    error = new InsufficientStorageError(error);
  }
  if (error instanceof DataboxError) {
    return c.json(
      { error: { code: error.code, message: error.message, details: error.details } },
      error.status as ContentfulStatusCode,
    );
  }
  if (error instanceof HTTPException) {
    const status = error.status;
    const code = status === 400 ? 'malformed_request' : status === 413 ? 'payload_too_large' : 'http_error';
    return c.json({ error: { code, message: error.message, details: [] } }, status);
  }
  const sqlite = String((error as { code?: unknown }).code ?? '');
  if (/^SQLITE_(CORRUPT|NOTADB)/.test(sqlite)) {
    const file = storeFile ?? "the box's database";
    console.error(`databox: ${c.req.method} ${c.req.path}: ${file} is damaged (${sqlite}: ${error.message})`);
    return c.json(
      {
        error: {
          code: 'store_damaged',
          message: `${file} is damaged (${sqlite}: ${error.message}). Run "databox check" for the full report, and restore from a backup (docs/operations.md)`,
          details: [],
        },
      },
      500,
    );
  }
  console.error(`databox: unexpected error handling ${c.req.method} ${c.req.path}:`, error);
  return c.json(
    { error: { code: 'internal', message: 'internal error; see the box log', details: [] } },
    500,
  );
}

/** zod-validator hook: a failed validation becomes a 400 naming each field. */
export function validationHook(where: string) {
  return (result: {
    success: boolean;
    error?: { issues: Array<{ path: PropertyKey[]; message: string }> };
  }) => {
    if (!result.success) {
      throw new BadRequestError(`invalid ${where}`, { details: issuesToDetails(result.error?.issues ?? []) });
    }
  };
}

/** Parses the JSON body or throws a 400 saying it is malformed. */
export async function jsonBody(c: Context): Promise<unknown> {
  return parseJsonBody(await c.req.text());
}

/** {@link jsonBody} for a body already read as text. */
export function parseJsonBody(text: string): unknown {
  if (text.trim() === '')
    throw new BadRequestError('the request body is empty; send JSON', { code: 'malformed_json' });
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new BadRequestError(`the request body is not valid JSON: ${(error as Error).message}`, {
      code: 'malformed_json',
    });
  }
}
