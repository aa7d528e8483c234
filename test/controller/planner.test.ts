import { describe, expect, it } from 'vitest';
import type { ControllerAction } from '../../src/controller/actions.js';
import { gateWorkflowId } from '../../src/controller/observed.js';
import { nextDue, plan } from '../../src/controller/planner.js';
import {
  DEPLOYMENT,
  type ManifestFields,
  MINUTE,
  manifestOf,
  type ObservedFields,
  observedOf,
  queues,
  running,
  SECOND,
  serverVersion,
  T0,
} from './planner-fixtures.js';

const OLD = 'v1-old';

/** The actions in a short form for table rows: `scale v2:2`, `current v2`, `ramp v2 10`, `wait v2 @90s`. */
function brief(action: ControllerAction, target: string): string {
  const id = (buildId: string | undefined) => (buildId === target ? 'T' : (buildId ?? '-'));
  switch (action.kind) {
    case 'scale':
      return `scale ${id(action.buildId)}:${action.replicas}`;
    case 'setRamping':
      return `ramp ${id(action.buildId)} ${action.percentage}`;
    case 'setCurrent':
      return `current ${id(action.buildId)}`;
    case 'startGate':
      return `gate ${id(action.buildId)} on ${action.taskQueue}`;
    case 'deleteVersion':
      return `delete ${id(action.buildId)}${action.onServer ? '' : ' (processes only)'}`;
    case 'wait':
      return `wait ${id(action.buildId)}${action.dueMs === undefined ? '' : ` @${(action.dueMs - T0) / SECOND}s`}`;
    case 'blocked':
      return `blocked ${id(action.buildId)}`;
    case 'patch':
      return `patch ${action.fromBuildId} -> ${id(action.buildId)}`;
  }
}

type Row = [
  title: string,
  manifest: ManifestFields,
  observed: (target: string) => ObservedFields,
  nowS: number,
  expected: string[],
];

function runTable(rows: Row[]) {
  it.each(rows)('%s', (_title, manifestFields, observedFields, nowS, expected) => {
    const manifest = manifestOf(manifestFields);
    const actions = plan(
      observedOf({ gateBuildId: manifest.buildId, ...observedFields(manifest.buildId) }),
      manifest,
      T0 + nowS * SECOND,
    );
    expect(actions.map((action) => brief(action, manifest.buildId))).toEqual(expected);
    for (const action of actions) expect(action.reason.length).toBeGreaterThan(10);
  });
}

const oldCurrent = serverVersion(OLD, { status: 'CURRENT', taskQueues: queues('orders', 'billing') });
const targetPolling = (target: string, ...names: string[]) =>
  serverVersion(target, {
    status: 'INACTIVE',
    taskQueues: queues(...(names.length ? names : ['orders', 'billing'])),
  });

describe('planner: the manifest build runs its replicas', () => {
  runTable([
    [
      'a new build is started with the manifest template',
      {},
      () => ({ noServer: true }),
      0,
      ['scale T:2', 'wait T'],
    ],
    [
      'a replicas change scales the build',
      { replicas: 3 },
      (t) => ({ current: t, versions: [serverVersion(t, { status: 'CURRENT' })], runtime: [running(t, 2)] }),
      0,
      ['scale T:3'],
    ],
    [
      'nothing to do when the build is current with its replicas',
      {},
      (t) => ({ current: t, versions: [serverVersion(t, { status: 'CURRENT' })], runtime: [running(t)] }),
      0,
      [],
    ],
  ]);

  it('the scale action of the manifest build carries its template', () => {
    const manifest = manifestOf();
    const [scale] = plan(observedOf({ noServer: true }), manifest, T0);
    expect(scale).toMatchObject({ kind: 'scale', template: manifest.template, replicas: 2 });
  });
});

describe('planner: C2 strategies', () => {
  runTable([
    [
      'C2: Manual never promotes, even with workers polling everything',
      { strategy: 'Manual' },
      (t) => ({
        current: OLD,
        versions: [oldCurrent, targetPolling(t)],
        runtime: [running(OLD), running(t)],
      }),
      0,
      ['wait v1-old'],
    ],
    [
      'C2: Manual leaves a ramp alone',
      { strategy: 'Manual' },
      (t) => ({
        current: OLD,
        ramping: t,
        percentage: 30,
        versions: [oldCurrent, serverVersion(t, { status: 'RAMPING' })],
        runtime: [running(OLD), running(t)],
      }),
      0,
      ['wait v1-old'],
    ],
    [
      'C2: AllAtOnce waits while the workers do not poll every queue the current version serves',
      { strategy: 'AllAtOnce' },
      (t) => ({
        current: OLD,
        versions: [oldCurrent, targetPolling(t, 'orders')],
        runtime: [running(OLD), running(t)],
      }),
      0,
      ['wait T', 'wait v1-old'],
    ],
    [
      'C2: AllAtOnce waits while the server does not know the version',
      { strategy: 'AllAtOnce' },
      (t) => ({ current: OLD, versions: [oldCurrent], runtime: [running(OLD), running(t)] }),
      0,
      ['wait T', 'wait v1-old'],
    ],
    [
      'C2: AllAtOnce promotes when the workers poll every queue the current version serves',
      { strategy: 'AllAtOnce' },
      (t) => ({
        current: OLD,
        versions: [oldCurrent, targetPolling(t, 'orders', 'billing', 'extra')],
        runtime: [running(OLD), running(t)],
      }),
      0,
      ['current T', 'wait v1-old'],
    ],
    [
      'C2: AllAtOnce makes the first version current once a worker polls',
      { strategy: 'AllAtOnce' },
      (t) => ({ versions: [targetPolling(t, 'orders')], runtime: [running(t)] }),
      0,
      ['current T'],
    ],
    [
      'C2: AllAtOnce with a ramping version replaces it',
      { strategy: 'AllAtOnce' },
      (t) => ({
        current: OLD,
        ramping: 'v1-canary',
        percentage: 20,
        versions: [oldCurrent, targetPolling(t)],
        runtime: [running(OLD), running(t)],
      }),
      0,
      ['current T', 'wait v1-old'],
    ],
    [
      'C2: once current, another version stops ramping',
      { strategy: 'AllAtOnce' },
      (t) => ({
        current: t,
        ramping: 'v1-canary',
        percentage: 20,
        versions: [serverVersion(t, { status: 'CURRENT' })],
        runtime: [running(t)],
      }),
      0,
      ['ramp - 0'],
    ],
    [
      'C2: Progressive starts with the first step',
      {
        strategy: 'Progressive',
        steps: [
          { rampPercentage: 10, pauseDuration: '1m' },
          { rampPercentage: 50, pauseDuration: '2m' },
        ],
      },
      (t) => ({
        current: OLD,
        versions: [oldCurrent, targetPolling(t)],
        runtime: [running(OLD), running(t)],
      }),
      0,
      ['ramp T 10', 'wait v1-old'],
    ],
    [
      'C2: Progressive waits the step pause, measured from the ramp change',
      {
        strategy: 'Progressive',
        steps: [
          { rampPercentage: 10, pauseDuration: '1m' },
          { rampPercentage: 50, pauseDuration: '2m' },
        ],
      },
      (t) => ({
        current: OLD,
        ramping: t,
        percentage: 10,
        rampChangedAt: 30 * SECOND,
        versions: [oldCurrent, serverVersion(t, { status: 'RAMPING' })],
        runtime: [running(OLD), running(t)],
      }),
      60,
      ['wait T @90s', 'wait v1-old'],
    ],
    [
      'C2: Progressive goes to the next step when the pause is over',
      {
        strategy: 'Progressive',
        steps: [
          { rampPercentage: 10, pauseDuration: '1m' },
          { rampPercentage: 50, pauseDuration: '2m' },
        ],
      },
      (t) => ({
        current: OLD,
        ramping: t,
        percentage: 10,
        rampChangedAt: 30 * SECOND,
        versions: [oldCurrent, serverVersion(t, { status: 'RAMPING' })],
        runtime: [running(OLD), running(t)],
      }),
      90,
      ['ramp T 50', 'wait v1-old'],
    ],
    [
      'C2: Progressive makes the build current after the last pause',
      {
        strategy: 'Progressive',
        steps: [
          { rampPercentage: 10, pauseDuration: '1m' },
          { rampPercentage: 50, pauseDuration: '2m' },
        ],
      },
      (t) => ({
        current: OLD,
        ramping: t,
        percentage: 50,
        rampChangedAt: 0,
        versions: [oldCurrent, serverVersion(t, { status: 'RAMPING' })],
        runtime: [running(OLD), running(t)],
      }),
      120,
      ['current T', 'wait v1-old'],
    ],
    [
      'C2: Progressive takes a hand-set ramp as the step below it',
      {
        strategy: 'Progressive',
        steps: [
          { rampPercentage: 10, pauseDuration: '1m' },
          { rampPercentage: 50, pauseDuration: '2m' },
        ],
      },
      (t) => ({
        current: OLD,
        ramping: t,
        percentage: 30,
        rampChangedAt: 0,
        versions: [oldCurrent, serverVersion(t, { status: 'RAMPING' })],
        runtime: [running(OLD), running(t)],
      }),
      30,
      ['wait T @60s', 'wait v1-old'],
    ],
    [
      'C2: Progressive lifts a hand-set ramp below the first step',
      { strategy: 'Progressive', steps: [{ rampPercentage: 10, pauseDuration: '1m' }] },
      (t) => ({
        current: OLD,
        ramping: t,
        percentage: 5,
        rampChangedAt: 0,
        versions: [oldCurrent, serverVersion(t, { status: 'RAMPING' })],
        runtime: [running(OLD), running(t)],
      }),
      0,
      ['ramp T 10', 'wait v1-old'],
    ],
    [
      'C2: Progressive makes the first version of a deployment current at once',
      { strategy: 'Progressive', steps: [{ rampPercentage: 10, pauseDuration: '1m' }] },
      (t) => ({ versions: [targetPolling(t)], runtime: [running(t)] }),
      0,
      ['current T'],
    ],
    [
      'C2: Progressive waits for the workers before the first step',
      { strategy: 'Progressive', steps: [{ rampPercentage: 10, pauseDuration: '1m' }] },
      (t) => ({
        current: OLD,
        versions: [oldCurrent, targetPolling(t, 'orders')],
        runtime: [running(OLD), running(t)],
      }),
      0,
      ['wait T', 'wait v1-old'],
    ],
  ]);

  it('C2: a routing change passes the conflict token the server gave (V2)', () => {
    const manifest = manifestOf();
    const [action] = plan(
      observedOf({
        versions: [serverVersion(manifest.buildId, { status: 'INACTIVE' })],
        runtime: [running(manifest.buildId)],
      }),
      manifest,
      T0,
    );
    expect(action).toMatchObject({ kind: 'setCurrent', conflictToken: 'rev-7' });
  });

  it('C2: the readiness wait names the queues the workers do not poll yet', () => {
    const manifest = manifestOf();
    const actions = plan(
      observedOf({
        current: OLD,
        versions: [oldCurrent, targetPolling(manifest.buildId, 'orders')],
        runtime: [running(OLD), running(manifest.buildId)],
      }),
      manifest,
      T0,
    );
    expect(actions[0]?.reason).toMatch(
      /do not poll billing \(workflow\), billing \(activity\), which the current version v1-old serves/,
    );
  });
});

describe('planner: C2 gate', () => {
  const gate = { workflowType: 'smokeTest', input: { orders: 3 } };
  runTable([
    [
      'C2: the gate waits until the workers poll every queue of the current version',
      { gate },
      (t) => ({
        current: OLD,
        versions: [oldCurrent, targetPolling(t, 'orders:workflow', 'billing')],
        runtime: [running(OLD), running(t)],
        gate: { status: 'NOT_STARTED' },
      }),
      0,
      ['wait T', 'wait v1-old'],
    ],
    [
      'C2: the gate runs on the only workflow task queue of the build',
      { gate },
      (t) => ({
        versions: [targetPolling(t, 'orders')],
        runtime: [running(t)],
        gate: { status: 'NOT_STARTED' },
      }),
      0,
      ['gate T on orders'],
    ],
    [
      'C2: a running gate holds promotion',
      { gate },
      (t) => ({ versions: [targetPolling(t, 'orders')], runtime: [running(t)], gate: { status: 'RUNNING' } }),
      0,
      ['wait T'],
    ],
    [
      'C2: a completed gate lets AllAtOnce promote',
      { gate },
      (t) => ({
        versions: [targetPolling(t, 'orders')],
        runtime: [running(t)],
        gate: { status: 'COMPLETED' },
      }),
      0,
      ['current T'],
    ],
    [
      'C2: a completed gate lets Progressive ramp',
      { gate, strategy: 'Progressive', steps: [{ rampPercentage: 25, pauseDuration: '1m' }] },
      (t) => ({
        current: OLD,
        versions: [oldCurrent, targetPolling(t)],
        runtime: [running(OLD), running(t)],
        gate: { status: 'COMPLETED' },
      }),
      0,
      ['ramp T 25', 'wait v1-old'],
    ],
    [
      'C2: a failed gate blocks promotion',
      { gate },
      (t) => ({
        versions: [targetPolling(t, 'orders')],
        runtime: [running(t)],
        gate: { status: 'FAILED', detail: 'boom' },
      }),
      0,
      ['blocked T'],
    ],
    [
      'C2: onGateFailure rollback removes the ramp of the build',
      {
        gate,
        onGateFailure: 'rollback',
        strategy: 'Progressive',
        steps: [{ rampPercentage: 25, pauseDuration: '1m' }],
      },
      (t) => ({
        current: OLD,
        ramping: t,
        percentage: 25,
        versions: [oldCurrent, serverVersion(t, { status: 'RAMPING' })],
        runtime: [running(OLD), running(t)],
        gate: { status: 'FAILED', detail: 'boom' },
      }),
      0,
      ['ramp - 0', 'blocked T', 'wait v1-old'],
    ],
    [
      'C2: onGateFailure block leaves the ramp',
      { gate, strategy: 'Progressive', steps: [{ rampPercentage: 25, pauseDuration: '1m' }] },
      (t) => ({
        current: OLD,
        ramping: t,
        percentage: 25,
        versions: [oldCurrent, serverVersion(t, { status: 'RAMPING' })],
        runtime: [running(OLD), running(t)],
        gate: { status: 'FAILED', detail: 'boom' },
      }),
      0,
      ['blocked T', 'wait v1-old'],
    ],
    [
      'C2: a gate with several workflow queues and no taskQueue is blocked, naming them',
      { gate },
      (t) => ({
        versions: [targetPolling(t, 'orders', 'billing')],
        runtime: [running(t)],
        gate: { status: 'NOT_STARTED' },
      }),
      0,
      ['blocked T'],
    ],
    [
      'C2: gate.taskQueue picks the queue',
      { gate: { ...gate, taskQueue: 'billing' } },
      (t) => ({
        versions: [targetPolling(t, 'orders', 'billing')],
        runtime: [running(t)],
        gate: { status: 'NOT_STARTED' },
      }),
      0,
      ['gate T on billing'],
    ],
  ]);

  const smoke = { workflowType: 'smokeTest' };
  const gatedSteps = [
    { rampPercentage: 10, pauseDuration: '1m', gate: smoke },
    { rampPercentage: 50, pauseDuration: '1m' },
  ];
  const rampingAt10 = (t: string) => ({
    current: OLD,
    ramping: t,
    percentage: 10,
    rampChangedAt: 0,
    versions: [oldCurrent, serverVersion(t, { status: 'RAMPING', taskQueues: queues('orders') })],
    runtime: [running(OLD), running(t)],
  });
  runTable([
    [
      'C2: a step gate starts once the step pause is over, before the next step',
      { strategy: 'Progressive', steps: gatedSteps },
      rampingAt10,
      60,
      ['gate T on orders', 'wait v1-old'],
    ],
    [
      'C2: a step gate does not start before the step pause is over',
      { strategy: 'Progressive', steps: gatedSteps },
      rampingAt10,
      30,
      ['wait T @60s', 'wait v1-old'],
    ],
    [
      'C2: a running step gate holds the ramp at its step',
      { strategy: 'Progressive', steps: gatedSteps },
      (t) => ({ ...rampingAt10(t), stepGates: { 1: { status: 'RUNNING' } } }),
      60,
      ['wait T', 'wait v1-old'],
    ],
    [
      'C2: a completed step gate lets the ramp go to the next step',
      { strategy: 'Progressive', steps: gatedSteps },
      (t) => ({ ...rampingAt10(t), stepGates: { 1: { status: 'COMPLETED' } } }),
      60,
      ['ramp T 50', 'wait v1-old'],
    ],
    [
      'C2: a failed step gate with onGateFailure rollback removes the ramp',
      { strategy: 'Progressive', steps: gatedSteps, onGateFailure: 'rollback' },
      (t) => ({ ...rampingAt10(t), stepGates: { 1: { status: 'FAILED', detail: 'FAILED: late orders' } } }),
      60,
      ['ramp - 0', 'blocked T', 'wait v1-old'],
    ],
  ]);

  it('C2: a step gate has its own workflow id and names its step', () => {
    const manifest = manifestOf({ strategy: 'Progressive', steps: gatedSteps });
    const [start] = plan(observedOf(rampingAt10(manifest.buildId)), manifest, T0 + MINUTE);
    expect(start).toMatchObject({
      kind: 'startGate',
      workflowId: gateWorkflowId(DEPLOYMENT, manifest.buildId, 1),
      reason: expect.stringMatching(/smokeTest must complete on .* before it leaves step 1 \(10%\)/),
    });
  });

  it('C2: the gate workflow has a fixed id per build and takes the input as its argument', () => {
    const manifest = manifestOf({ gate });
    const [start] = plan(
      observedOf({
        versions: [targetPolling(manifest.buildId, 'orders')],
        runtime: [running(manifest.buildId)],
        gate: { status: 'NOT_STARTED' },
      }),
      manifest,
      T0,
    );
    expect(start).toEqual({
      kind: 'startGate',
      buildId: manifest.buildId,
      workflowId: gateWorkflowId(DEPLOYMENT, manifest.buildId),
      workflowType: 'smokeTest',
      taskQueue: 'orders',
      args: [{ orders: 3 }],
      reason: expect.stringMatching(/smokeTest must complete/),
    });
  });
});

describe('planner: C4 sunset', () => {
  // The manifest build is current with its replicas in every row; only the other version changes.
  const withTarget = (t: string, other: ObservedFields) => ({
    ...other,
    current: t,
    versions: [serverVersion(t, { status: 'CURRENT' }), ...(other.versions ?? [])],
    runtime: [running(t), ...(other.runtime ?? [])],
  });
  runTable([
    [
      'C4: a Draining version with open pinned workflows keeps its workers',
      {},
      (t) =>
        withTarget(t, {
          versions: [serverVersion(OLD, { status: 'DRAINING', pinned: 4 })],
          runtime: [running(OLD)],
        }),
      10 ** 7,
      ['wait v1-old'],
    ],
    [
      'C4: a Drained version keeps its workers until scaledownDelay',
      {},
      (t) =>
        withTarget(t, {
          versions: [serverVersion(OLD, { status: 'DRAINED', drainageChangedAt: 10 * SECOND })],
          runtime: [running(OLD)],
        }),
      30,
      ['wait v1-old @70s'],
    ],
    [
      'C4: a Drained version is scaled to zero after scaledownDelay (from the drainage time)',
      {},
      (t) =>
        withTarget(t, {
          versions: [serverVersion(OLD, { status: 'DRAINED', drainageChangedAt: 10 * SECOND })],
          runtime: [running(OLD)],
        }),
      70,
      ['scale v1-old:0', 'wait v1-old @610s'],
    ],
    [
      'C4: a Drained version already at zero waits for deleteDelay',
      {},
      (t) =>
        withTarget(t, {
          versions: [serverVersion(OLD, { status: 'DRAINED', drainageChangedAt: 10 * SECOND })],
          runtime: [running(OLD, 0)],
        }),
      100,
      ['wait v1-old @610s'],
    ],
    [
      'C4: a Drained version is deleted after deleteDelay',
      {},
      (t) =>
        withTarget(t, {
          versions: [
            serverVersion(OLD, { status: 'DRAINED', drainageChangedAt: 10 * SECOND, taskQueues: [] }),
          ],
          runtime: [running(OLD, 0)],
        }),
      610,
      ['delete v1-old'],
    ],
    [
      'C4: after deleteDelay, processes stop first while the server still counts their pollers (V9)',
      {},
      (t) =>
        withTarget(t, {
          versions: [serverVersion(OLD, { status: 'DRAINED', drainageChangedAt: 10 * SECOND })],
          runtime: [running(OLD, 0)],
        }),
      610,
      ['delete v1-old (processes only)'],
    ],
    [
      'C4: once its pollers are gone, the version whose processes stopped is deleted on the server',
      {},
      (t) =>
        withTarget(t, {
          versions: [
            serverVersion(OLD, { status: 'DRAINED', drainageChangedAt: 10 * SECOND, taskQueues: [] }),
          ],
        }),
      610,
      ['delete v1-old'],
    ],
    [
      'C4: a version Draining again (override) with no replicas is brought back up',
      {},
      (t) =>
        withTarget(t, {
          versions: [serverVersion(OLD, { status: 'DRAINING', pinned: 1 })],
          runtime: [running(OLD, 0)],
        }),
      0,
      ['scale v1-old:2'],
    ],
    [
      'C4: never scale down a version with open pinned workflows, whatever its status',
      {},
      (t) =>
        withTarget(t, {
          versions: [serverVersion(OLD, { status: 'DRAINED', pinned: 2, drainageChangedAt: 0 })],
          runtime: [running(OLD)],
        }),
      10 ** 6,
      ['wait v1-old'],
    ],
    [
      'C4: pinned workflows on a version the controller never ran: blocked, with advice',
      {},
      (t) =>
        withTarget(t, { versions: [serverVersion(OLD, { status: 'DRAINING', pinned: 1, taskQueues: [] })] }),
      0,
      ['blocked v1-old'],
    ],
    [
      'C4: a non-target Inactive version without pinned workflows is scaled to zero',
      {},
      (t) =>
        withTarget(t, { versions: [serverVersion(OLD, { status: 'INACTIVE' })], runtime: [running(OLD)] }),
      0,
      ['scale v1-old:0'],
    ],
    [
      'C4: an Inactive version already at zero is left alone',
      {},
      (t) =>
        withTarget(t, { versions: [serverVersion(OLD, { status: 'INACTIVE' })], runtime: [running(OLD, 0)] }),
      0,
      [],
    ],
    [
      'C4: the old current version keeps its workers while promotion waits',
      {},
      (t) => ({
        current: OLD,
        versions: [oldCurrent, targetPolling(t, 'orders')],
        runtime: [running(OLD, 0), running(t)],
      }),
      0,
      ['wait T', 'scale v1-old:2'],
    ],
    [
      'C4: a build unknown to the server and not the target: its processes stop',
      {},
      (t) => withTarget(t, { runtime: [running('v0-never-polled')] }),
      0,
      ['delete v0-never-polled (processes only)'],
    ],
    [
      'C4: versions someone else runs (pollers, no runtime record) are left alone',
      {},
      (t) => withTarget(t, { versions: [serverVersion(OLD, { status: 'DRAINED', drainageChangedAt: 0 })] }),
      10 ** 6,
      ['wait v1-old'],
    ],
  ]);
});

describe('planner: C5 the patch-build runbook', () => {
  const v120 = 'v1.2.0-dsf7';
  it('C5: a Manual patch version with pinned workflows moved to it keeps its workers after the target moves on, until Drained + delay', () => {
    // 1. v1.2.0 is current and runs pinned workflows; the manifest switches to Manual with the patch.
    const patch = manifestOf({ tag: 'v1.2.1', strategy: 'Manual' });
    const stage1 = plan(
      observedOf({
        current: v120,
        versions: [serverVersion(v120, { status: 'CURRENT', pinned: 3 })],
        runtime: [running(v120)],
      }),
      patch,
      T0,
    );
    expect(stage1.map((a) => brief(a, patch.buildId))).toEqual(['scale T:2', `wait ${v120}`]);

    // 2. The batch override moved the 3 workflows to the patch: it is Draining, never promoted.
    const afterOverride = observedOf({
      current: v120,
      versions: [
        serverVersion(v120, { status: 'CURRENT' }),
        serverVersion(patch.buildId, { status: 'DRAINING', pinned: 3 }),
      ],
      runtime: [running(v120), running(patch.buildId)],
    });
    expect(plan(afterOverride, patch, T0 + MINUTE).map((a) => brief(a, patch.buildId))).toEqual([
      `wait ${v120}`,
    ]);

    // 3. The manifest moves on to v1.3.0 (AllAtOnce), which becomes current. The patch is no longer the
    // target but keeps its workers while its workflows run, however long that is.
    const next = manifestOf({ tag: 'v1.3.0', strategy: 'AllAtOnce' });
    const moved = (patchFields: Parameters<typeof serverVersion>[1], patchReplicas = 2) =>
      observedOf({
        current: next.buildId,
        versions: [
          serverVersion(v120, { status: 'DRAINED', drainageChangedAt: 2 * MINUTE }),
          serverVersion(patch.buildId, patchFields),
          serverVersion(next.buildId, { status: 'CURRENT' }),
        ],
        runtime: [running(v120, 0), running(patch.buildId, patchReplicas), running(next.buildId)],
      });
    const longAfter = T0 + 365 * 24 * 60 * MINUTE;
    const draining = plan(moved({ status: 'DRAINING', pinned: 3 }), next, longAfter);
    expect(
      draining.filter((a) => a.kind === 'scale' || a.kind === 'deleteVersion').map((a) => a.buildId),
    ).toEqual([v120]);
    expect(draining.find((a) => a.buildId === patch.buildId)).toMatchObject({
      kind: 'wait',
      reason: expect.stringMatching(/3 open pinned workflow\(s\); keeps its workers/),
    });

    // 4. The patch's workflows finish: Drained at 5 min; workers stay for scaledownDelay, then go; the
    // version is deleted after deleteDelay.
    const drainedAt = 5 * MINUTE;
    const drained = (nowMs: number, replicas: number) =>
      plan(moved({ status: 'DRAINED', drainageChangedAt: drainedAt }, replicas), next, T0 + nowMs)
        .filter((a) => a.buildId === patch.buildId)
        .map((a) => brief(a, next.buildId));
    expect(drained(drainedAt + 30 * SECOND, 2)).toEqual([`wait ${patch.buildId} @360s`]);
    expect(drained(drainedAt + MINUTE, 2)).toEqual([
      `scale ${patch.buildId}:0`,
      `wait ${patch.buildId} @900s`,
    ]);
    // Its workers stopped, the server still counts their recent polls: the processes go first.
    expect(drained(drainedAt + 10 * MINUTE, 0)).toEqual([`delete ${patch.buildId} (processes only)`]);
  });
});

describe('planner: native patch builds (spec.patch)', () => {
  const broken = 'v1.2.0-dsf7';
  const patch = { tag: 'v1.2.1', strategy: 'Manual', patchFrom: broken } as const;
  runTable([
    [
      "C5: the patch build starts its workers; nothing moves before they poll the broken version's queues",
      patch,
      () => ({
        current: broken,
        versions: [serverVersion(broken, { status: 'CURRENT', pinned: 3, taskQueues: queues('orders') })],
        runtime: [running(broken)],
      }),
      0,
      ['scale T:2', 'wait T', `wait ${broken}`],
    ],
    [
      'C5: once its workers poll them, the pinned workflows are replayed on the patch and moved (never promoted)',
      patch,
      (t) => ({
        current: broken,
        versions: [
          serverVersion(broken, { status: 'CURRENT', pinned: 3, taskQueues: queues('orders') }),
          serverVersion(t, { status: 'INACTIVE', taskQueues: queues('orders') }),
        ],
        runtime: [running(broken), running(t)],
      }),
      0,
      [`patch ${broken} -> T`, `wait ${broken}`],
    ],
    [
      'C4: after the move the patch is DRAINING and keeps its workers; nothing is left to move',
      patch,
      (t) => ({
        current: broken,
        versions: [
          serverVersion(broken, { status: 'CURRENT', taskQueues: queues('orders') }),
          serverVersion(t, { status: 'DRAINING', pinned: 3, taskQueues: queues('orders') }),
        ],
        runtime: [running(broken), running(t)],
      }),
      0,
      ['wait T', `wait ${broken}`],
    ],
  ]);

  it("the wait names the queue the patch's workers do not poll yet", () => {
    const manifest = manifestOf(patch);
    const actions = plan(
      observedOf({
        current: broken,
        versions: [
          serverVersion(broken, { status: 'CURRENT', pinned: 2, taskQueues: queues('orders', 'billing') }),
          serverVersion(manifest.buildId, { status: 'INACTIVE', taskQueues: queues('orders') }),
        ],
        runtime: [running(broken), running(manifest.buildId)],
      }),
      manifest,
      T0,
    );
    expect(actions.find((action) => action.buildId === manifest.buildId)?.reason).toBe(
      `spec.patch.from: 2 workflow(s) pinned to ${broken} move once the patch's workers poll its queues: its workers do not poll billing (workflow), billing (activity), which the broken version ${broken} serves`,
    );
  });
});

describe('nextDue', () => {
  it('is the earliest wait with a time', () => {
    expect(
      nextDue([
        { kind: 'wait', reason: 'workers', buildId: 'a' },
        { kind: 'wait', reason: 'later', dueMs: 9 },
        { kind: 'wait', reason: 'sooner', dueMs: 5 },
      ]),
    ).toBe(5);
    expect(nextDue([])).toBeUndefined();
  });

  it('a manifest for another deployment is a programming error', () => {
    expect(() => plan({ deploymentName: 'other/prod', runtime: [] }, manifestOf(), T0)).toThrow(
      /does not match/,
    );
  });
});
