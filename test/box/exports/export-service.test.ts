import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { useTempDir } from '../../helpers/temp-dir.ts';
import { DAY, NOW } from '../apps/app-fixtures.ts';
import { exportSetup } from './export-service-setup.ts';

const tempDir = useTempDir();

describe('ExportService.request', () => {
  it('puts an accepted request in the ledger with the exact bytes and their SHA-256 in the audit chain', async () => {
    const { store, service, startRun, request } = exportSetup(tempDir());
    const runId = startRun();
    const entry = await request(runId, 'summary', { kwh: 1.5 });
    // the bytes the gateway will send: JSON.stringify of the payload, written out by hand
    const text = '{"kwh":1.5}';
    const sha256 = createHash('sha256').update(text).digest('hex');
    expect(service.ledger.get(entry.id)).toMatchObject({
      appId: 'energy-test',
      runId,
      destination: 'summary',
      url: 'https://example.org/upload',
      payload: { kwh: 1.5 },
      sha256,
      bytes: 11,
      status: 'pending',
      attempts: 0,
      createdAt: NOW,
      decidedBy: 'auto',
    });
    expect(service.ledger.payloadText(entry.id)).toBe(text);
    const [audited] = store.audit.query({ action: 'export.request' });
    // the trail carries a salted commitment, never the guessable plain SHA-256 (docs/audit.md)
    const { salt } = service.ledger.get(entry.id);
    expect(salt).toMatch(/^[0-9a-f]{32}$/);
    const commitment = createHash('sha256').update(`${salt}${text}`).digest('hex');
    expect(audited).toMatchObject({
      actor: 'app:energy-test',
      subject: 'energy-test',
      details: { export: entry.id, run: runId, destination: 'summary', commitment, bytes: 11, mode: 'auto' },
    });
    expect(JSON.stringify(audited)).not.toContain(sha256);
    expect(store.audit.verify()).toMatchObject({ ok: true });
  });

  it('refuses destinations not declared, not approved, or moved since consent, and audits each', async () => {
    const { apps, service, startRun, request, refusals } = exportSetup(tempDir());
    const runId = startRun();
    await expect(request(runId, 'elsewhere', { kwh: 1 })).rejects.toThrow(/not declared in the manifest/);
    // the householder's choice is a typed refusal apps can tell from a fault
    await expect(request(runId, 'research', { a: 1 })).rejects.toMatchObject({
      status: 403,
      code: 'destination_declined',
      message: expect.stringMatching(/has not approved export destination "research"/),
    });
    // the stored manifest now points "summary" somewhere else than the householder approved
    const install = apps.registry.getInstall('energy-test');
    const moved = structuredClone(install);
    moved.manifest.exports[0].url = 'https://example.org:8443/upload';
    apps.registry.putInstall(moved);
    await expect(request(runId, 'summary', { kwh: 1 })).rejects.toThrow(
      /now https:\/\/example.org:8443\/upload, but the householder approved https:\/\/example.org\/upload/,
    );
    expect(refusals().map((e) => [e.details.check, e.details.destination])).toEqual([
      // an id the manifest does not declare is the app's text: only its digest is kept
      ['destination', `sha256:${createHash('sha256').update('elsewhere').digest('hex').slice(0, 16)}`],
      ['destination', 'research'],
      ['destination', 'summary'],
    ]);
    expect(refusals()[1]).toMatchObject({ actor: 'app:energy-test', details: { run: runId } });
    expect(service.ledger.list()).toEqual([]);
  });

  it('refuses a payload that breaks the schema or the size cap', async () => {
    const { service, startRun, request, refusals } = exportSetup(tempDir(), {
      destinations: ['summary', 'research'],
    });
    const runId = startRun();
    await expect(request(runId, 'summary', { kwh: 'lots' })).rejects.toThrow(
      expect.objectContaining({
        status: 400,
        details: [{ path: 'payload.kwh', message: 'must be number' }],
      }),
    );
    await expect(request(runId, 'summary', { kwh: 1, extra: true })).rejects.toThrow(
      /does not match its schema/,
    );
    // research: maxBytes 1000; {"s":"…"} is 8 bytes around the string
    await expect(request(runId, 'research', { s: 'x'.repeat(993) })).rejects.toThrow(
      /is 1001 bytes, over its limit of 1000/,
    );
    expect((await request(runId, 'research', { s: 'x'.repeat(992) })).bytes).toBe(1000);
    expect(refusals().map((e) => e.details.check)).toEqual(['schema', 'schema', 'size']);
    expect(service.ledger.list()).toHaveLength(1);
  });

  it('refuses over the per-destination quota for 24 h, then accepts again', async () => {
    const { clock, service, startRun, request, refusals } = exportSetup(tempDir());
    const runId = startRun();
    await request(runId, 'summary', { kwh: 1 });
    clock.now += 60_000;
    await request(runId, 'summary', { kwh: 2 });
    await expect(request(runId, 'summary', { kwh: 3 })).rejects.toThrow(
      expect.objectContaining({
        status: 429,
        message: '"summary" allows 2 exports a day; 2 in the last 24 h',
      }),
    );
    expect(refusals().map((e) => e.details.check)).toEqual(['rate']);
    // the first request still counts exactly 24 h after it was made, and leaves the window 1 ms later
    clock.now = NOW + DAY;
    await expect(request(runId, 'summary', { kwh: 3 })).rejects.toThrow(/2 in the last 24 h/);
    clock.now = NOW + DAY + 1;
    await expect(request(runId, 'summary', { kwh: 3 })).resolves.toBeDefined();
    expect(service.ledger.list().map((e) => e.payload)).toEqual([{ kwh: 3 }, { kwh: 2 }, { kwh: 1 }]);
  });

  it('refuses over the box-wide cap across destinations', async () => {
    const { service, startRun, request, refusals } = exportSetup(tempDir(), {
      destinations: ['summary', 'research'],
      boxWidePerDay: 2,
    });
    const runId = startRun();
    await request(runId, 'summary', { kwh: 1 });
    await request(runId, 'research', { n: 1 });
    await expect(request(runId, 'summary', { kwh: 2 })).rejects.toThrow(
      'the box allows 2 exports a day across all apps; 2 in the last 24 h',
    );
    expect(refusals().map((e) => e.details.check)).toEqual(['box-rate']);
    expect(service.ledger.list()).toHaveLength(2);
  });

  it('refuses once the grants are revoked or the consent has expired', async () => {
    const revoked = exportSetup(tempDir());
    const run1 = revoked.startRun();
    revoked.apps.revoke('energy-test');
    await expect(revoked.request(run1, 'summary', { kwh: 1 })).rejects.toThrow(/revoked or expired/);
    expect(revoked.refusals().map((e) => e.details.check)).toEqual(['grant']);

    const expired = exportSetup(tempDir());
    const run2 = expired.startRun();
    const consent = expired.apps.registry.currentConsent('energy-test');
    expired.clock.now = consent?.expiresAt ?? Number.NaN;
    await expect(expired.request(run2, 'summary', { kwh: 1 })).rejects.toThrow(
      /consent for app "energy-test" has expired/,
    );
    expect(expired.refusals().map((e) => e.details.check)).toEqual(['grant']);
    expect([...revoked.service.ledger.list(), ...expired.service.ledger.list()]).toEqual([]);
  });

  it('refuses a request that does not come from a live run of the app', async () => {
    const { service, startRun, request, refusals } = exportSetup(tempDir());
    const finished = startRun('ok');
    await expect(request(finished, 'summary', { kwh: 1 })).rejects.toThrow(/is not live/);
    await expect(request('no-such-run', 'summary', { kwh: 1 })).rejects.toThrow(/is not live/);
    const live = startRun();
    await expect(
      service.request({ appId: 'other-app', runId: live, destination: 'summary', payload: { kwh: 1 } }),
    ).rejects.toThrow(/run run-2 of app "other-app" is not live/);
    expect(refusals().map((e) => [e.actor, e.details.check])).toEqual([
      ['app:energy-test', 'run'],
      ['app:energy-test', 'run'],
      ['app:other-app', 'run'],
    ]);
    expect(service.ledger.list()).toEqual([]);
  });
});
