import { hash, randomBytes } from 'node:crypto';

/**
 * Salted commitments to export payloads. An unsalted SHA-256 of a small payload is a guessable
 * secret: `{"month":"2026-11","kWh":232.96}` was found from its hash in 25 s on one core by trying
 * months and values. So the permanent trail carries
 *
 * ```
 * commitment = lower-hex( SHA-256( UTF-8( salt ‖ payload text ) ) )
 * ```
 *
 * with `salt` 32 random lower-case hex digits kept beside the payload in the export ledger (which
 * the householder can read, and erase). Holding the payload and the salt proves which entry it
 * was; the commitment alone reveals nothing about it.
 */

/** A fresh salt: 16 random bytes as 32 lower-case hex digits. */
export function newPayloadSalt(): string {
  return randomBytes(16).toString('hex');
}

/**
 * The commitment to `payloadText` (the exact JSON text stored and sent) under `salt`.
 *
 * @example
 * payloadCommitment('00112233445566778899aabbccddeeff', '{"kWh":1.5}'); // 64 hex digits
 */
export function payloadCommitment(salt: string, payloadText: string): string {
  return hash('sha256', `${salt}${payloadText}`, 'hex');
}
