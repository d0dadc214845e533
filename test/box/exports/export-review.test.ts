import { describe, expect, it } from 'vitest';
import { useTempDir } from '../../helpers/temp-dir.ts';
import { exportSetup } from './export-service-setup.ts';

const tempDir = useTempDir();

describe('ExportService review', () => {
  it('holds requests of an app in review mode until the householder approves or rejects them', async () => {
    const { store, service, startRun, request } = exportSetup(tempDir());
    expect(service.mode('energy-test')).toBe('auto');
    service.setMode('energy-test', 'review');
    expect(service.mode('energy-test')).toBe('review');
    const runId = startRun();
    const first = await request(runId, 'summary', { kwh: 1 });
    const second = await request(runId, 'summary', { kwh: 2 });
    expect(service.ledger.list({ status: 'review' }).map((e) => e.id)).toEqual([second.id, first.id]);
    expect(store.audit.query({ action: 'export.request' }).map((e) => e.details.mode)).toEqual([
      'review',
      'review',
    ]);

    const approved = service.approve(first.id);
    expect(approved).toMatchObject({ status: 'pending', decidedBy: 'user', decidedAt: approved.createdAt });
    const rejected = service.reject(second.id, 'too detailed');
    // rejected: kept for the record with its payload, never forwarded
    expect(rejected).toMatchObject({ status: 'rejected', reason: 'too detailed', payload: { kwh: 2 } });
    expect(service.ledger.withStatus('pending').map((e) => e.id)).toEqual([first.id]);

    const decisions = store.audit.query({ actor: 'user', action: 'export.*' });
    expect(decisions.map((e) => [e.action, e.subject, e.details.export])).toEqual([
      ['export.mode', 'energy-test', undefined],
      ['export.approve', 'energy-test', first.id],
      ['export.reject', 'energy-test', second.id],
    ]);
    expect(decisions[2].details).toMatchObject({
      reason: 'too detailed',
      commitment: service.ledger.commitment(rejected),
    });
  });

  it('refuses to approve or reject what is not waiting, and to retry what has not failed', async () => {
    const { service, startRun, request } = exportSetup(tempDir());
    const entry = await request(startRun(), 'summary', { kwh: 1 });
    expect(() => service.approve(entry.id)).toThrow(
      expect.objectContaining({
        status: 409,
        message: expect.stringContaining('is pending, not waiting for review'),
      }),
    );
    expect(() => service.reject(entry.id)).toThrow(/cannot reject it/);
    expect(() => service.retry(entry.id)).toThrow(/only a failed export can be retried/);
    expect(() => service.approve('nope')).toThrow(expect.objectContaining({ status: 404 }));
  });

  it('re-queues a failed export: to the gateway if it had it, else through forwarding again', async () => {
    const { clock, store, service, startRun, request } = exportSetup(tempDir(), {
      destinations: ['summary', 'research'],
    });
    const runId = startRun();
    const forwarded = await request(runId, 'summary', { kwh: 1 });
    const never = await request(runId, 'research', { n: 1 });
    service.ledger.update(forwarded.id, 'failed', clock.now, {
      forwardedAt: clock.now,
      lastError: 'HTTP 503',
    });
    service.ledger.update(never.id, 'failed', clock.now, { lastError: 'refused by the gateway' });
    expect(service.retry(forwarded.id)).toMatchObject({ status: 'retrying', lastError: null });
    expect(service.retry(never.id)).toMatchObject({ status: 'pending' });
    expect(store.audit.query({ action: 'export.retry' }).map((e) => e.details.export)).toEqual([
      forwarded.id,
      never.id,
    ]);
  });

  it('does not audit setting the mode it already has, and refuses an app that is not installed', () => {
    const { store, service } = exportSetup(tempDir());
    service.setMode('energy-test', 'auto');
    expect(store.audit.query({ action: 'export.mode' })).toEqual([]);
    expect(() => service.setMode('ghost', 'review')).toThrow(expect.objectContaining({ status: 404 }));
  });
});
