/** The audit actions of apps and of exports (see `action-schemas.ts`), kept apart for size. */
import {
  type ActionSchema,
  anyJson,
  commitment,
  count,
  counts,
  exportRef,
  hex64,
  int,
  type JsonSchema,
  nullable,
  shape,
  text,
  uuid,
} from './schema-parts.ts';

export function appActions(): Record<string, ActionSchema> {
  const app = (summary: string, details: JsonSchema, actors = ['user']): ActionSchema => ({
    actors,
    subject: 'app id',
    summary,
    details,
  });
  const grant = shape({ request: text, datasource: text, resolution: text, history: text });
  return {
    'app.install': app(
      'an app installed or upgraded (its files digested; `publisher`: the key of a signed bundle, or why unsigned)',
      shape(
        {
          version: text,
          previousVersion: nullable(text),
          runtime: { enum: ['isolate', 'container'] },
          dir: text,
          files: count,
          filesDigest: hex64,
          publisher: {
            anyOf: [
              shape({
                signed: { const: true },
                fingerprint: { type: 'string', pattern: '^SHA256:[A-Za-z0-9+/]{43}$' },
                key: { type: 'string', pattern: '^[A-Za-z0-9+/]{43}=$' },
              }),
              shape({
                signed: { const: false },
                why: {
                  enum: [
                    'folder',
                    'bundle_unsigned',
                    'bundle_manifest_invalid',
                    'bundle_signature_invalid',
                    'bundle_altered',
                  ],
                },
              }),
            ],
          },
        },
        ['publisher'],
      ),
    ),
    'app.grant': app(
      'a consent: install or change of grants; `consentDigest` binds the stored receipt and grants',
      shape(
        {
          receipt: uuid,
          supersedes: nullable(uuid),
          grants: { type: 'array', items: grant },
          declined: { type: 'array', items: text },
          destinations: { type: 'array', items: text },
          timeZone: { type: 'boolean' },
          expires: text,
          consentDigest: hex64,
        },
        ['consentDigest', 'timeZone'],
      ),
    ),
    'app.decline': app('the householder declined an install or change', shape({ version: text, via: text })),
    'app.revoke': app(
      "grants revoked (all, or one request's)",
      shape({ receipt: nullable(uuid), requests: { type: 'array', items: text }, scope: text }, ['receipt']),
    ),
    'app.uninstall': app(
      'an app removed: consent ended, kv wiped',
      shape({ version: text, receipt: nullable(uuid), kvKeysWiped: count }, ['receipt']),
    ),
    'app.quota': app("the householder changed an app's quotas", shape({ from: anyJson, to: anyJson })),
    'app.settings': app(
      "the householder changed an app's settings (the names, never the values)",
      shape({
        set: { type: 'array', items: text, maxItems: 100 },
        reset: { type: 'array', items: text, maxItems: 100 },
      }),
    ),
    'app.run.start': app(
      'an app run started',
      shape({ run: uuid, trigger: text, runtime: text, version: text }),
      ['app:<id>'],
    ),
    'app.run.end': app(
      'an app run ended (error text cut to 200 characters)',
      shape(
        {
          run: uuid,
          status: text,
          durationMs: count,
          reads: count,
          rowsRead: count,
          insights: count,
          exports: count,
          error: nullable(text),
          // the same code in every runtime (apps-sdk/src/run-failure.ts); entries before it have none
          errorCode: nullable(text),
        },
        ['errorCode'],
      ),
      ['app:<id>'],
    ),
    'app.kv.set': app(
      "first write of a key to the app's own kv in a run (first 20 keys; key cut to 32 characters)",
      shape({ run: uuid, key: text, keyDigest: text, bytes: count }, ['keyDigest']),
      ['app:<id>'],
    ),
    'app.kv.summary': app(
      "the run's kv writes that were not audited one by one",
      shape({ run: uuid, writes: count, keys: count, bytes: count, audited: count, notAudited: count }),
      ['app:<id>'],
    ),
  };
}

export function exportActions(): Record<string, ActionSchema> {
  const ex = (summary: string, details: JsonSchema, actors = ['user']): ActionSchema => ({
    actors,
    subject: 'app id',
    summary,
    details,
  });
  return {
    'export.request': ex(
      'an app asked for an export; accepted into the ledger',
      shape({
        ...exportRef,
        run: uuid,
        url: text,
        bytes: count,
        ...commitment,
        mode: { enum: ['auto', 'review'] },
      }),
      ['app:<id>'],
    ),
    'export.refuse': ex(
      'a refused export request (at most so many a run, then a summary); undeclared destinations as a digest',
      shape({ run: text, destination: text, check: text, reason: text }),
      ['app:<id>'],
    ),
    'export.refuse.summary': ex(
      'the refused export requests of a run past those audited one by one',
      shape({ run: text, audited: count, notAudited: count, byCheck: counts }),
      ['app:<id>'],
    ),
    'export.mode': ex(
      "the app's export mode changed",
      shape({ from: { enum: ['auto', 'review'] }, to: { enum: ['auto', 'review'] } }),
    ),
    'export.approve': ex('the householder approved a held export', shape({ ...exportRef, ...commitment })),
    'export.reject': ex(
      'the householder rejected a held export',
      shape({ ...exportRef, ...commitment, reason: nullable(text) }),
    ),
    'export.retry': ex(
      'the householder asked to retry a failed export',
      shape({ ...exportRef, attempts: count }),
    ),
    'export.delivered': ex(
      'the gateway delivered an export',
      shape({
        ...exportRef,
        url: text,
        attempts: count,
        responseStatus: nullable(int),
        bytes: count,
        ...commitment,
      }),
      ['gateway'],
    ),
    'export.failed': ex(
      'an export failed for good (error text cut to 200 characters)',
      shape(
        {
          ...exportRef,
          url: text,
          attempts: count,
          responseStatus: nullable(int),
          bytes: count,
          commitment: hex64,
          error: text,
        },
        ['bytes', 'commitment'],
      ),
      ['gateway'],
    ),
  };
}
