import type { Manifest } from '../../apps-sdk/src/manifest.ts';
import { readRulesText } from '../../apps-sdk/src/read-rules.ts';
import type { Datasource } from '../store/types.ts';
import type { ResolvedConsent } from './consent.ts';
import { riskFor } from './consent-words/kind-risks.ts';
import { regulatoryNote } from './consent-words/regulatory-note.ts';

/** The receipt format, after the Kantara Initiative Consent Receipt Specification 1.1. */
export const RECEIPT_VERSION = 'KI-CR-v1.1.0';

export interface ReceiptInput {
  receiptId: string;
  manifest: Manifest;
  consent: ResolvedConsent;
  now: number;
  /** How consent was collected, e.g. `cli`, `cli-interactive`, `http`. */
  method: string;
  /** The receipt this one replaces, when a grant changed. */
  supersedes?: string;
  /**
   * The box's zone and catalogue, for what the consent screen showed: each datasource's location
   * sharpens its risk text, and the GB note applies by meter and zone. Without it, a meter of
   * unknown origin gets no GB note.
   */
  context?: { timeZone: string; datasource: (id: string) => Datasource | undefined };
}

/**
 * Builds the consent receipt of one install or change of grant: a JSON document in the spirit of
 * the Kantara Consent Receipt 1.1 (receipt id and version, timestamp, jurisdiction, the
 * householder as data controller, the app as processor, one purpose per granted request with the
 * data, resolution, history, what reads serve (closed buckets only) and what research says can
 * be inferred at that resolution, destinations with their reasons, expiry).
 *
 * @example
 * const receipt = buildConsentReceipt({ receiptId: randomUUID(), manifest, consent, now: Date.now(), method: 'cli' });
 */
export function buildConsentReceipt(input: ReceiptInput): Record<string, unknown> {
  const { manifest, consent, now } = input;
  const expires = new Date(consent.expiresAt).toISOString();
  const destinations = manifest.exports
    .filter((e) => consent.destinations.includes(e.id))
    .map((e) => ({
      id: e.id,
      url: e.url,
      reason: e.reason,
      maxBytes: e.maxBytes,
      maxPerDay: e.maxPerDay,
      // the householder said it is on the home network: the gateway may connect to a private address
      homeNetwork: consent.homeNetwork?.includes(e.id) ?? false,
    }));
  const data = consent.grants.map((g) => {
    const source = input.context?.datasource(g.datasource);
    // the same words the consent screen showed for this kind at this resolution
    const { summary, findings } = riskFor(g.kind, g.resolution, source?.location);
    const inference = { resolution: g.resolution, summary, findings };
    return {
      request: g.request.name,
      required: g.request.required,
      datasource: g.datasource,
      kind: g.kind,
      resolution: g.resolution,
      history: g.history,
      aggregates: g.request.aggregates,
      // what reads serve (closed buckets, sparse ones withheld, counts only with `count`)
      served: readRulesText({ resolution: g.resolution, aggregates: g.request.aggregates }),
      purpose: g.purposes[0]?.purpose ?? null,
      purposes: g.purposes,
      ...(g.purposes.length === 0
        ? {
            note: `the app lists no purpose at ${g.resolution} or coarser; it may not be able to work with this grant`,
          }
        : {}),
      inference,
    };
  });
  const notes = [
    ...new Set(
      consent.grants.flatMap((g) => {
        const source = input.context?.datasource(g.datasource) ?? {
          id: g.datasource,
          kind: g.kind,
          vendor: '',
        };
        return regulatoryNote(source, g.resolution, input.context?.timeZone ?? '') ?? [];
      }),
    ),
  ];
  return {
    version: RECEIPT_VERSION,
    jurisdiction: 'home',
    consentTimestamp: Math.floor(now / 1000),
    consentTime: new Date(now).toISOString(),
    collectionMethod: input.method,
    consentReceiptID: input.receiptId,
    supersedes: input.supersedes ?? null,
    language: 'en',
    piiPrincipalId: 'householder',
    piiControllers: [{ piiController: 'the householder', contact: 'the householder', onBehalf: false }],
    processor: {
      app: manifest.id,
      name: manifest.name,
      version: manifest.version,
      author: manifest.author,
      homepage: manifest.homepage ?? null,
      runtime: manifest.runtime.type,
    },
    policyUrl: manifest.homepage ?? null,
    services: [
      {
        service: manifest.name,
        purposes: data.map((d) => ({
          purpose: d.purpose ?? `analysis of ${d.kind}`,
          purposeCategory: ['analysis'],
          consentType: 'EXPLICIT',
          piiCategory: [d.kind],
          primaryPurpose: d.required,
          termination: expires,
          thirdPartyDisclosure: destinations.length > 0,
          thirdPartyName: destinations.map((x) => x.url),
        })),
      },
    ],
    sensitive: false,
    spiCat: [],
    data,
    declined: consent.declined,
    destinations,
    // asked for only when the manifest does; the zone itself is not written (it may change later)
    timeZone: manifest.timeZone ? { granted: consent.timeZone, reason: manifest.timeZone.reason } : null,
    expires,
    // only where it applies (regulatory-note.ts), as on the consent screen
    notes,
  };
}
