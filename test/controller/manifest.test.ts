import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import {
  buildIdOf,
  loadManifests,
  ManifestError,
  parseManifests,
  type WorkerTemplate,
} from '../../src/controller/manifest.js';

const valid = {
  kind: 'WorkerDeployment',
  metadata: { name: 'my-worker', namespace: 'prod' },
  spec: {
    replicas: 2,
    template: {
      artifact: 'my-worker:v1.2.1',
      command: ['node', 'worker.js'],
      cwd: '.',
      env: { LOG: 'info' },
    },
    rollout: { strategy: 'AllAtOnce' },
    sunset: { scaledownDelay: '30s', deleteDelay: '1h' },
  },
};

type Doc = Record<string, unknown>;

/** `valid` with one field (a dotted path) replaced, or removed when `value` is undefined. */
function withField(fieldPath: string, value: unknown): Doc {
  const doc = structuredClone(valid) as Doc;
  const parts = fieldPath.split('.');
  let node = doc;
  for (const part of parts.slice(0, -1)) node = node[part] as Doc;
  const last = parts[parts.length - 1]!;
  if (value === undefined) delete node[last];
  else node[last] = value;
  return doc;
}

function problemsOf(doc: unknown): string[] {
  try {
    parseManifests(stringify(doc), 'deploy.yaml');
  } catch (err) {
    if (err instanceof ManifestError) return err.problems;
    throw err;
  }
  return [];
}

describe('manifest', () => {
  it('a valid manifest gives the deployment name/namespace, defaults and durations in ms', () => {
    const [manifest] = parseManifests(stringify(valid), '/etc/strata/deploy.yaml');
    expect(manifest).toMatchObject({
      deploymentName: 'my-worker/prod',
      replicas: 2,
      baseDir: '/etc/strata',
      template: {
        artifact: 'my-worker:v1.2.1',
        command: ['node', 'worker.js'],
        cwd: '.',
        env: { LOG: 'info' },
      },
      rollout: { strategy: 'AllAtOnce', steps: [], onGateFailure: 'block' },
      sunset: { scaledownDelayMs: 30_000, deleteDelayMs: 3_600_000 },
    });
    expect(manifest?.buildId).toMatch(/^v1\.2\.1-[0-9a-f]{4}$/);
  });

  it('defaults: one replica, cwd ".", no env, sunset 1h / 24h', () => {
    const doc = withField('spec.sunset', undefined);
    (doc.spec as Doc).replicas = undefined;
    (doc.spec as { template: Doc }).template = { artifact: 'w:v1', command: ['node', 'w.js'] };
    const [manifest] = parseManifests(stringify(doc), 'deploy.yaml');
    expect(manifest).toMatchObject({
      replicas: 1,
      template: { cwd: '.', env: {} },
      sunset: { scaledownDelayMs: 3_600_000, deleteDelayMs: 86_400_000 },
    });
  });

  it('Progressive steps keep their order, pauses in ms, and their gates', () => {
    const doc = withField('spec.rollout', {
      strategy: 'Progressive',
      steps: [
        { rampPercentage: 10, pauseDuration: '5m' },
        { rampPercentage: 50, pauseDuration: 1000, gate: { workflowType: 'loadTest', taskQueue: 'orders' } },
      ],
      gate: { workflowType: 'smokeTest', input: { n: 1 } },
      onGateFailure: 'rollback',
    });
    const [manifest] = parseManifests(stringify(doc), 'deploy.yaml');
    expect(manifest?.rollout).toEqual({
      strategy: 'Progressive',
      steps: [
        { rampPercentage: 10, pauseDurationMs: 300_000 },
        {
          rampPercentage: 50,
          pauseDurationMs: 1000,
          gate: { workflowType: 'loadTest', taskQueue: 'orders' },
        },
      ],
      gate: { workflowType: 'smokeTest', input: { n: 1 } },
      onGateFailure: 'rollback',
    });
  });

  // Each row: the field changed, its new value (undefined = removed), and what the error must say.
  const errorCases: Array<[string, unknown, RegExp]> = [
    ['kind', 'Deployment', /^deploy\.yaml: kind: "Deployment" is not allowed; use WorkerDeployment$/],
    ['kind', undefined, /^deploy\.yaml: kind: is required: WorkerDeployment$/],
    ['metadata.name', undefined, /^deploy\.yaml: metadata\.name: is required/],
    ['metadata.namespace', 'prod/eu', /metadata\.namespace: must be letters, digits, "\.", "_" or "-"/],
    ['metadata.owner', 'me', /metadata: unknown field "owner"; allowed: name, namespace$/],
    ['spec.replicas', 1.5, /spec\.replicas: must be a whole number of worker processes, 0 or more/],
    ['spec.replicas', -1, /spec\.replicas: must be a whole number of worker processes, 0 or more/],
    ['spec.replicas', 'two', /spec\.replicas: must be a whole number/],
    ['spec.template', undefined, /spec\.template: is required/],
    [
      'spec.template.artifact',
      'my-worker',
      /spec\.template\.artifact: must end with a tag .* e\.g\. my-worker:v1\.2\.1/,
    ],
    ['spec.template.artifact', 'registry:5000/my-worker', /spec\.template\.artifact: must end with a tag/],
    [
      'spec.template.command',
      'node worker.js',
      /spec\.template\.command: must be a list of strings .* \[node, worker\.js\]/,
    ],
    ['spec.template.command', [], /spec\.template\.command: must name the program to run/],
    ['spec.template.command', ['node', 3], /spec\.template\.command\[1\]: must be a string/],
    [
      'spec.template.env',
      { STRATA_WORKER_BUILD_ID: 'x' },
      /spec\.template\.env\.STRATA_WORKER_BUILD_ID: is set by the controller/,
    ],
    ['spec.template.env', { A: { b: 1 } }, /spec\.template\.env\.A: must be a string/],
    [
      'spec.template.image',
      'x',
      /spec\.template: unknown field "image"; allowed: artifact, command, cwd, env$/,
    ],
    [
      'spec.rollout.strategy',
      'BlueGreen',
      /spec\.rollout\.strategy: "BlueGreen" is not a strategy; use one of Manual, AllAtOnce, Progressive$/,
    ],
    [
      'spec.rollout.strategy',
      undefined,
      /spec\.rollout\.strategy: is required; one of Manual, AllAtOnce, Progressive$/,
    ],
    [
      'spec.rollout.onGateFailure',
      'retry',
      /spec\.rollout\.onGateFailure: "retry" is not allowed; use one of block, rollback$/,
    ],
    [
      'spec.rollout.steps',
      [{ rampPercentage: 10, pauseDuration: '1m' }],
      /spec\.rollout\.steps: only the Progressive strategy uses steps/,
    ],
    [
      'spec.rollout.gate',
      { workflowType: '' },
      /spec\.rollout\.gate\.workflowType: must be a workflow type name/,
    ],
    [
      'spec.sunset.scaledownDelay',
      'soon',
      /spec\.sunset\.scaledownDelay: "soon" is not a duration; use e\.g\. 30s/,
    ],
    [
      'spec.sunset.deleteDelay',
      '10s',
      /spec\.sunset\.deleteDelay: must be at least scaledownDelay \(30000 ms\); got 10000 ms/,
    ],
    ['spec.extra', 1, /spec: unknown field "extra"; allowed: replicas, template, rollout, sunset, patch$/],
  ];
  it.each(errorCases)(
    'a bad %s (%j) is refused naming the field and what is allowed',
    (field, value, expected) => {
      const problems = problemsOf(withField(field, value));
      expect(
        problems.some((problem) => expected.test(problem)),
        problems.join('\n'),
      ).toBe(true);
    },
  );

  const progressiveCases: Array<[string, unknown, RegExp]> = [
    ['no steps', undefined, /spec\.rollout\.steps: Progressive needs at least one step/],
    [
      'a 100% step',
      [{ rampPercentage: 100, pauseDuration: '1m' }],
      /spec\.rollout\.steps\[0\]\.rampPercentage: must be from 1 to 99/,
    ],
    [
      'a 0% step',
      [{ rampPercentage: 0, pauseDuration: '1m' }],
      /steps\[0\]\.rampPercentage: must be from 1 to 99/,
    ],
    [
      'decreasing steps',
      [
        { rampPercentage: 50, pauseDuration: '1m' },
        { rampPercentage: 20, pauseDuration: '1m' },
      ],
      /spec\.rollout\.steps\[1\]\.rampPercentage: 20 must be above the previous step's 50/,
    ],
    [
      'a step without pause',
      [{ rampPercentage: 10 }],
      /spec\.rollout\.steps\[0\]\.pauseDuration: must be a duration/,
    ],
    [
      'a step with an unknown field',
      [{ rampPercentage: 10, pauseDuration: '1m', wait: 1 }],
      /steps\[0\]: unknown field "wait"; allowed: rampPercentage, pauseDuration/,
    ],
  ];
  it.each(progressiveCases)('Progressive with %s is refused', (_what, steps, expected) => {
    const problems = problemsOf(withField('spec.rollout', { strategy: 'Progressive', steps }));
    expect(
      problems.some((problem) => expected.test(problem)),
      problems.join('\n'),
    ).toBe(true);
  });

  it('a Manual rollout with a gate is refused: the gate would never run', () => {
    const problems = problemsOf(
      withField('spec.rollout', { strategy: 'Manual', gate: { workflowType: 't' } }),
    );
    expect(problems).toEqual([
      'deploy.yaml: spec.rollout.gate: Manual never promotes, so a gate would never run; remove it',
    ]);
  });

  it('spec.patch names the broken build of a Manual patch build; other strategies, its own build and an empty from are refused', () => {
    const manual = withField('spec.rollout', { strategy: 'Manual' });
    (manual.spec as Doc).patch = { from: 'v1.2.0-dsf7' };
    const [manifest] = parseManifests(stringify(manual), 'deploy.yaml');
    expect(manifest?.patch).toEqual({ fromBuildId: 'v1.2.0-dsf7' });
    expect(manifest?.rollout.strategy).toBe('Manual');

    const promoted = withField('spec.patch', { from: 'v1.2.0-dsf7' });
    expect(problemsOf(promoted)).toEqual([
      'deploy.yaml: spec.patch: a patch build is never promoted; set rollout.strategy: Manual (strategy is AllAtOnce)',
    ]);
    (manual.spec as Doc).patch = { from: manifest?.buildId };
    expect(problemsOf(manual)).toEqual([
      `deploy.yaml: spec.patch.from: "${manifest?.buildId}" is this manifest's own build; name the broken build`,
    ]);
    (manual.spec as Doc).patch = { from: '' };
    expect(problemsOf(manual)).toEqual([
      'deploy.yaml: spec.patch.from: must be the build id of the version the workflows move from',
    ]);
  });

  it('rollout.replaySample is a whole number of workflows, and not for Manual', () => {
    const sampled = withField('spec.rollout', { strategy: 'AllAtOnce', replaySample: 20 });
    expect(parseManifests(stringify(sampled), 'deploy.yaml')[0]?.rollout.replaySample).toBe(20);
    expect(problemsOf(withField('spec.rollout', { strategy: 'AllAtOnce', replaySample: 0 }))).toEqual([
      'deploy.yaml: spec.rollout.replaySample: must be a whole number of workflows, 1 or more',
    ]);
    expect(problemsOf(withField('spec.rollout', { strategy: 'Manual', replaySample: 5 }))).toEqual([
      'deploy.yaml: spec.rollout.replaySample: Manual never promotes, so no replay check would run; remove it',
    ]);
  });

  it('reports every problem at once, and YAML syntax errors with the file', () => {
    const doc = withField('spec.replicas', -1);
    (doc.metadata as Doc).name = undefined;
    expect(problemsOf(doc)).toHaveLength(2);
    expect(() => parseManifests('kind: [unclosed', 'bad.yaml')).toThrow(
      /\[INVALID_MANIFEST\] bad\.yaml: YAML syntax/,
    );
    expect(() => parseManifests('', 'empty.yaml')).toThrow(/empty\.yaml: no WorkerDeployment document/);
  });

  describe('C1: build id = artifact tag + short hash of the whole template', () => {
    const template: WorkerTemplate = {
      artifact: 'my-worker:v1.2.1',
      command: ['node', 'worker.js'],
      cwd: '.',
      env: { A: '1' },
    };
    const changes: Array<[string, Partial<WorkerTemplate>]> = [
      ['artifact', { artifact: 'my-worker:v1.2.2' }],
      ['same tag, other image', { artifact: 'other:v1.2.1' }],
      ['command', { command: ['node', 'worker.js', '--fast'] }],
      ['cwd', { cwd: 'workers' }],
      ['an env value', { env: { A: '2' } }],
      ['an env variable added', { env: { A: '1', B: '1' } }],
    ];
    it.each(changes)('C1: a change of %s makes a new build id', (_what, change) => {
      const before = buildIdOf(template);
      const after = buildIdOf({ ...template, ...change });
      expect(after).not.toBe(before);
      expect(after.startsWith(`${(change.artifact ?? template.artifact).split(':')[1]}-`)).toBe(true);
    });

    it('C1: the build id is the tag, a dash, then 4 hex digits, stable for the same template', () => {
      expect(buildIdOf(template)).toMatch(/^v1\.2\.1-[0-9a-f]{4}$/);
      expect(buildIdOf({ ...template, env: { A: '1' } })).toBe(buildIdOf(template));
    });

    it('C1: replicas, rollout and sunset changes keep the build id; env key order does not matter', () => {
      const base = parseManifests(stringify(valid), 'a.yaml')[0]!.buildId;
      const other = {
        ...valid,
        spec: {
          ...valid.spec,
          replicas: 5,
          template: { ...valid.spec.template, env: { LOG: 'info' } },
          rollout: { strategy: 'Progressive', steps: [{ rampPercentage: 5, pauseDuration: '1s' }] },
          sunset: { scaledownDelay: '1m', deleteDelay: '2m' },
        },
      };
      expect(parseManifests(stringify(other), 'b.yaml')[0]!.buildId).toBe(base);
      const reordered = parseManifests(
        stringify(withField('spec.template.env', { Z: 'z', A: 'a' })),
        'c.yaml',
      )[0]!.buildId;
      expect(
        parseManifests(stringify(withField('spec.template.env', { A: 'a', Z: 'z' })), 'd.yaml')[0]!.buildId,
      ).toBe(reordered);
    });

    it('C1: an env number and its quoted text are the same template', () => {
      const numeric = parseManifests(stringify(withField('spec.template.env', { PORT: 8080 })), 'a.yaml')[0]!;
      const quoted = parseManifests(
        stringify(withField('spec.template.env', { PORT: '8080' })),
        'b.yaml',
      )[0]!;
      expect(numeric.template.env).toEqual({ PORT: '8080' });
      expect(numeric.buildId).toBe(quoted.buildId);
    });
  });

  describe('files and folders', () => {
    it('reads every .yaml/.yml of a folder, several documents per file, and refuses a deployment declared twice', async () => {
      const folder = await mkdtemp(path.join(tmpdir(), 'strata-manifest-'));
      const second = withField('metadata.name', 'other');
      await writeFile(path.join(folder, 'a.yaml'), `${stringify(valid)}---\n${stringify(second)}`);
      await writeFile(path.join(folder, 'notes.txt'), 'not a manifest');
      const manifests = await loadManifests(folder);
      expect(manifests.map((m) => [m.deploymentName, path.basename(m.source)])).toEqual([
        ['my-worker/prod', 'a.yaml#1'],
        ['other/prod', 'a.yaml#2'],
      ]);
      expect(manifests[0]?.baseDir).toBe(folder);

      await writeFile(path.join(folder, 'b.yml'), stringify(valid));
      await expect(loadManifests(folder)).rejects.toThrow(
        /b\.yml: metadata: deployment "my-worker\/prod" is already declared in .*a\.yaml#1/,
      );
    });

    it('a missing path or a folder without manifests is refused with what to pass', async () => {
      const folder = await mkdtemp(path.join(tmpdir(), 'strata-manifest-'));
      await expect(loadManifests(path.join(folder, 'nope.yaml'))).rejects.toThrow(/no such file or folder/);
      await expect(loadManifests(folder)).rejects.toThrow(/the folder has no \.yaml or \.yml file/);
    });
  });
});
