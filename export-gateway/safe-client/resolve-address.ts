import { lookup } from 'node:dns/promises';
import { type AddressPolicy, addressRefusal, classifyAddress } from './address-policy.ts';
import { SafeClientError } from './errors.ts';
import type { CheckedUrl } from './url-policy.ts';

/** Resolves a host name to all its addresses (what `dns.lookup(name, { all: true })` returns). */
export type Resolver = (hostname: string) => Promise<Array<{ address: string; family: number }>>;

/** The system resolver (getaddrinfo, like every other program on the box), all answers, in order. */
export const systemResolver: Resolver = (hostname) => lookup(hostname, { all: true, verbatim: true });

/** An address that passed the policy: the only one the request may connect to. */
export interface VettedAddress {
  address: string;
  family: 4 | 6;
}

/**
 * Resolves the checked URL's host and vets every answer against `policy`. One refused answer
 * refuses the whole name (a name that mixes public and private answers is a rebinding attempt,
 * not a mirror); the first answer is the one to connect to. IP-literal hosts are vetted as they are.
 *
 * @example
 * const { address } = await resolveVetted(checked, systemResolver, { allowPrivate: false, devMode: false });
 */
export async function resolveVetted(
  checked: CheckedUrl,
  resolver: Resolver,
  policy: AddressPolicy,
): Promise<VettedAddress> {
  let answers: Array<{ address: string; family: number }>;
  if (checked.ipVersion !== 0) {
    answers = [{ address: checked.host, family: checked.ipVersion }];
  } else {
    try {
      answers = await resolver(checked.host);
    } catch (cause) {
      const code = (cause as { code?: string }).code ?? (cause as Error).message;
      throw new SafeClientError('dns_failed', `resolving "${checked.host}" failed: ${code}`, { cause });
    }
    if (answers.length === 0) throw new SafeClientError('dns_failed', `"${checked.host}" has no addresses`);
  }
  for (const answer of answers) {
    const refusal = addressRefusal(answer.address, policy);
    if (refusal) throw new SafeClientError('refused_address', `host "${checked.host}": ${refusal}`);
  }
  if (checked.url.protocol === 'http:' && !answers.every((a) => classifyAddress(a.address) === 'loopback')) {
    throw new SafeClientError(
      'refused_address',
      `host "${checked.host}": plain http: is only allowed to loopback`,
    );
  }
  const first = answers[0];
  return { address: first.address, family: first.family === 6 ? 6 : 4 };
}
