import { describe, expect, it } from 'vitest';
import { deleteVersionProblem, type VersionState, versionState } from './version-status.js';

const fresh = {
  buildId: 'b',
  openPinned: 0,
  hadPinned: false,
  drainageChangedMs: 0,
  firstActivationMs: 0,
  lastDeactivationMs: 0,
};
const none = { currentBuildId: '', rampingBuildId: '' };

describe('version status', () => {
  it.each([
    ['INACTIVE: never active, never pinned', none, fresh, { status: 'INACTIVE', drainage: undefined }],
    [
      'CURRENT by routing, whatever its pinned count',
      { currentBuildId: 'b', rampingBuildId: '' },
      { ...fresh, openPinned: 3, hadPinned: true, firstActivationMs: 5 },
      { status: 'CURRENT', drainage: undefined },
    ],
    [
      'RAMPING by routing',
      { currentBuildId: 'a', rampingBuildId: 'b' },
      { ...fresh, firstActivationMs: 5 },
      { status: 'RAMPING', drainage: undefined },
    ],
    [
      'DRAINING: never current, pinned by an override (the runbook case)',
      { currentBuildId: 'a', rampingBuildId: '' },
      { ...fresh, openPinned: 2, hadPinned: true, drainageChangedMs: 100 },
      { status: 'DRAINING', drainage: { status: 'DRAINING', lastChangedMs: 100 } },
    ],
    [
      'DRAINED: never current, its last override-pinned workflow closed',
      { currentBuildId: 'a', rampingBuildId: '' },
      { ...fresh, hadPinned: true, drainageChangedMs: 300 },
      { status: 'DRAINED', drainage: { status: 'DRAINED', lastChangedMs: 300 } },
    ],
    [
      'DRAINING after deactivation: the time is when routing left it, if later',
      { currentBuildId: 'c', rampingBuildId: '' },
      {
        ...fresh,
        openPinned: 1,
        hadPinned: true,
        drainageChangedMs: 100,
        firstActivationMs: 50,
        lastDeactivationMs: 400,
      },
      { status: 'DRAINING', drainage: { status: 'DRAINING', lastChangedMs: 400 } },
    ],
    [
      'DRAINED: once current, never had pinned workflows',
      { currentBuildId: 'c', rampingBuildId: '' },
      { ...fresh, firstActivationMs: 50, lastDeactivationMs: 400 },
      { status: 'DRAINED', drainage: { status: 'DRAINED', lastChangedMs: 400 } },
    ],
    [
      'DRAINED: the count reached zero after the deactivation',
      { currentBuildId: 'c', rampingBuildId: '' },
      { ...fresh, hadPinned: true, drainageChangedMs: 900, firstActivationMs: 50, lastDeactivationMs: 400 },
      { status: 'DRAINED', drainage: { status: 'DRAINED', lastChangedMs: 900 } },
    ],
  ] as const)('V8: %s', (_title, routing, version, expected) => {
    expect(versionState(routing, version)).toEqual(expected);
  });

  const draining: VersionState = { status: 'DRAINING', drainage: { status: 'DRAINING', lastChangedMs: 1 } };
  const drained: VersionState = { status: 'DRAINED', drainage: { status: 'DRAINED', lastChangedMs: 1 } };
  it.each([
    ['current, even forced', { status: 'CURRENT', drainage: undefined }, 0, 0, true, /current version/],
    ['ramping, even forced', { status: 'RAMPING', drainage: undefined }, 0, 0, true, /ramping version/],
    ['open pinned workflows', draining, 2, 0, false, /2 open workflows are pinned.*--force/],
    ['live pollers', drained, 0, 1, false, /1 poller seen in the last 70 s still polls it/],
    ['open pinned workflows, forced', draining, 2, 1, true, undefined],
    ['drained, no pollers', drained, 0, 0, false, undefined],
  ] as const)('V9: delete refused or allowed: %s', (_title, state, openPinned, pollers, force, expected) => {
    const problem = deleteVersionProblem(state, openPinned, pollers, force);
    if (expected === undefined) expect(problem).toBeUndefined();
    else expect(problem).toMatch(expected);
  });
});
