import { BadRequestError, type ErrorDetail } from '../../box/errors.ts';
import { MAX_TIMESTAMP, MIN_TIMESTAMP } from '../../box/store/types.ts';

const DEFAULT_BATCH_SIZE = 1000;
const MAX_BATCH_SIZE = 100_000;

/** Validates a generation range and returns the batch size. */
export function checkRange(from: number, to: number, batchSize: number | undefined): number {
  const details: ErrorDetail[] = [];
  for (const [path, value] of [
    ['from', from],
    ['to', to],
  ] as const) {
    if (!Number.isInteger(value) || value < MIN_TIMESTAMP || value > MAX_TIMESTAMP) {
      details.push({
        path,
        message: `must be an integer ms timestamp in [${MIN_TIMESTAMP}, ${MAX_TIMESTAMP}]`,
      });
    }
  }
  if (details.length === 0 && to < from) details.push({ path: 'to', message: 'must not be before from' });
  const size = batchSize ?? DEFAULT_BATCH_SIZE;
  if (!Number.isInteger(size) || size < 1 || size > MAX_BATCH_SIZE) {
    details.push({ path: 'batchSize', message: `must be an integer from 1 to ${MAX_BATCH_SIZE}` });
  }
  if (details.length > 0) {
    throw new BadRequestError(
      `invalid simulator range: ${details.map((d) => `${d.path}: ${d.message}`).join('; ')}`,
      { details },
    );
  }
  return size;
}
