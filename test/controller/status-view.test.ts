import { describe, expect, it } from 'vitest';
import { formatStatus, statusDocument } from '../../src/cli/controller-status.js';
import type { DeploymentReport } from '../../src/controller/controller.js';
import { plan } from '../../src/controller/planner.js';
import { MINUTE, manifestOf, observedOf, running, SECOND, serverVersion, T0 } from './planner-fixtures.js';

function report(nowMs: number): DeploymentReport {
  const manifest = manifestOf({ tag: 'v1.3.0', strategy: 'AllAtOnce' });
  const observed = observedOf({
    current: manifest.buildId,
    ramping: 'v1.2.9-beta',
    percentage: 5,
    versions: [
      serverVersion(manifest.buildId, { status: 'CURRENT' }),
      serverVersion('v1.2.0-dsf7', { status: 'DRAINED', drainageChangedAt: 0 }),
      serverVersion('v1.2.1-4543', { status: 'DRAINING', pinned: 3, drainageChangedAt: 10 * SECOND }),
    ],
    runtime: [running(manifest.buildId), running('v1.2.0-dsf7'), running('v1.2.1-4543', 1)],
  });
  return { manifest, observed, actions: plan(observed, manifest, nowMs), errors: [], refusals: [] };
}

describe('strata controller status output', () => {
  it('shows target, current, ramping, each version with workers, pinned workflows and drainage time, and the next actions with when and why', () => {
    const text = formatStatus([report(T0 + 30 * SECOND)]);
    const target = manifestOf({ tag: 'v1.3.0' }).buildId;
    expect(text).toContain(`Deployment  my-worker/prod (test.yaml)`);
    expect(text).toContain(`Target      ${target} (my-worker:v1.3.0, AllAtOnce)`);
    expect(text).toContain(`Current     ${target}`);
    expect(text).toContain('Ramping     v1.2.9-beta at 5%');
    expect(text).toMatch(/Build id\s+Status\s+Workers\s+Pinned\s+Drainage changed/);
    expect(text).toMatch(/v1\.2\.0-dsf7\s+DRAINED\s+2\/2\s+0\s+2026-01-01T00:00:00\.000Z/);
    expect(text).toMatch(/v1\.2\.1-4543\s+DRAINING\s+1\/1\s+3\s+2026-01-01T00:00:10\.000Z/);
    expect(text).toMatch(new RegExp(`${target}\\s+CURRENT\\s+2/2\\s+0\\s+target`));
    expect(text).toContain('Next:\n  remove the ramping version: ');
    expect(text).toContain(
      '  wait until 2026-01-01T00:01:00.000Z (v1.2.0-dsf7): Drained since 2026-01-01T00:00:00.000Z; scaled to zero after scaledownDelay (60000 ms)',
    );
    expect(text).toContain('  wait (v1.2.1-4543): DRAINING: 3 open pinned workflow(s); keeps its workers');
  });

  it('a deployment the server does not know yet says so; nothing to do says so', () => {
    const manifest = manifestOf();
    const fresh = formatStatus([
      { manifest, observed: observedOf({ noServer: true }), actions: [], errors: [], refusals: [] },
    ]);
    expect(fresh).toContain('Current     the server has no such deployment yet (no worker polled)');
    expect(fresh).toMatch(/not on the server\s+-\s+-/);
    expect(fresh).toContain('Next:\n  nothing: all is as the manifest says');
  });

  it('-o json carries the same facts with each action summarised', () => {
    const [document] = statusDocument([report(T0 + 2 * MINUTE)]) as Array<{
      next: Array<{ kind: string; summary: string }>;
    }>;
    expect(document?.next.map((action) => action.summary)).toEqual([
      'remove the ramping version',
      'scale v1.2.0-dsf7 to 0 worker(s)',
      'wait until 2026-01-01T00:10:00.000Z (v1.2.0-dsf7)',
      'wait (v1.2.1-4543)',
    ]);
  });
});
