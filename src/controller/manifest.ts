/**
 * The rollout controller's manifest: a `kind: WorkerDeployment` YAML document that says which worker
 * build should run, how many replicas, how a new build is promoted and when old ones are retired.
 * Parsed and checked here; every mistake is reported with its field path and what is allowed.
 *
 * ```yaml
 * kind: WorkerDeployment
 * metadata: { name: my-worker, namespace: prod }        # deployment "my-worker/prod"
 * spec:
 *   replicas: 2
 *   template: { artifact: "my-worker:v1.2.1", command: [node, worker.js], cwd: ., env: { LOG: info } }
 *   rollout: { strategy: Progressive, steps: [{ rampPercentage: 10, pauseDuration: 5m }] }
 *   sunset: { scaledownDelay: 1h, deleteDelay: 24h }
 *   # patch: { from: v1.2.0-dsf7 }   # a patch build (Manual): moves the verified pinned workflows of `from` here
 * ```
 */
import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { z } from 'zod';
import { msFromDuration } from '../common/duration.js';

export const ROLLOUT_STRATEGIES = ['Manual', 'AllAtOnce', 'Progressive'] as const;
export type RolloutStrategy = (typeof ROLLOUT_STRATEGIES)[number];
export const GATE_FAILURE_ACTIONS = ['block', 'rollback'] as const;
export type GateFailureAction = (typeof GATE_FAILURE_ACTIONS)[number];

/** The variables the controller sets for every worker process; a template may not set them itself. */
export const INJECTED_ENV = [
  'STRATA_ADDRESS',
  'STRATA_NAMESPACE',
  'STRATA_DEPLOYMENT_NAME',
  'STRATA_WORKER_BUILD_ID',
] as const;

/** How a worker process of one build is started. Any change to it makes a new build id (C1). */
export interface WorkerTemplate {
  /** `name:tag`, e.g. `my-worker:v1.2.1`; the tag starts the build id. */
  artifact: string;
  /** argv, run without a shell: `[node, worker.js]`. */
  command: string[];
  /** As written in the manifest (relative to the manifest's folder), `.` when omitted. */
  cwd: string;
  env: Record<string, string>;
}

export interface RolloutStep {
  rampPercentage: number;
  pauseDurationMs: number;
  /** Must complete on the build once the step's pause is over, before the next step. */
  gate?: RolloutGate;
}

export interface RolloutGate {
  /** A workflow type the new version's workers run; it must complete before promotion. */
  workflowType: string;
  /** The gate workflow's one argument, when given. */
  input?: unknown;
  /** Where the gate runs; may be left out when the version's workers poll a single workflow task queue. */
  taskQueue?: string;
}

export interface RolloutSpec {
  strategy: RolloutStrategy;
  /** Progressive only: ramp percentages in increasing order, each held for its pause. */
  steps: RolloutStep[];
  gate?: RolloutGate;
  /** `block` (default) leaves routing as it is; `rollback` restores the previous current version. */
  onGateFailure: GateFailureAction;
  /**
   * Before each routing change toward the build, its workers replay this many of the open AutoUpgrade
   * workflows it would take (all when unset); a divergence blocks the promotion.
   */
  replaySample?: number;
}

export interface SunsetSpec {
  /** After a version turns Drained, how long its workers keep running. */
  scaledownDelayMs: number;
  /** After a version turns Drained, when its processes and its server record are deleted. */
  deleteDelayMs: number;
}

/** A patch build: the running workflows pinned to `fromBuildId` move to the manifest's build once verified. */
export interface PatchSpec {
  fromBuildId: string;
}

/** One checked `WorkerDeployment` document. */
export interface WorkerDeploymentManifest {
  /** `file` or `file#2` (the second document of the file), for messages. */
  source: string;
  /** The folder the manifest file sits in; `template.cwd` is relative to it. */
  baseDir: string;
  metadata: { name: string; namespace: string };
  /** `name/namespace`: the server's worker deployment name. */
  deploymentName: string;
  replicas: number;
  template: WorkerTemplate;
  /** The target build id, per C1: `<artifact tag>-<short hash of the template>`. */
  buildId: string;
  rollout: RolloutSpec;
  sunset: SunsetSpec;
  /** Set when the build is a patch for another (`spec.patch.from`); the strategy is then Manual. */
  patch?: PatchSpec;
}

export const DEFAULT_SCALEDOWN_DELAY = '1h';
export const DEFAULT_DELETE_DELAY = '24h';

/** A manifest that cannot be used; the message lists every problem, one per line, with its field. */
export class ManifestError extends Error {
  override name = 'ManifestError';
  constructor(readonly problems: string[]) {
    super(`[INVALID_MANIFEST] ${problems.join('\n  ')}`);
  }
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

/** A strict object whose unknown keys are reported with the keys that are allowed. */
function strictObject<Shape extends z.ZodRawShape>(shape: Shape) {
  const allowed = Object.keys(shape).join(', ');
  return z.strictObject(shape, {
    error: (issue) =>
      issue.code === 'unrecognized_keys'
        ? `unknown field ${issue.keys.map((key) => `"${key}"`).join(', ')}; allowed: ${allowed}`
        : issue.input === undefined
          ? 'is required'
          : `must be a mapping with the fields ${allowed}`,
  });
}

/** The message for a missing field, else `message`. */
const orRequired = (message: string) => (issue: { input: unknown }) =>
  issue.input === undefined ? `is required; ${message}` : message;

const name = (what: string) =>
  z
    .string({ error: orRequired(`must be a string (${what})`) })
    .regex(NAME, `must be letters, digits, ".", "_" or "-", starting with a letter or digit (${what})`);

const duration = z
  .union([z.number(), z.string()], { error: 'must be a duration such as 30s, 5m, 1h or a number of ms' })
  .transform((value, ctx) => {
    try {
      return msFromDuration(value);
    } catch {
      ctx.addIssue({ code: 'custom', message: `"${value}" is not a duration; use e.g. 30s, 5m, 1h, 2 days` });
      return z.NEVER;
    }
  });

const envValue = z.union([z.string(), z.number(), z.boolean()], {
  error: 'must be a string (or a number or boolean, used as text)',
});

const templateSchema = strictObject({
  artifact: z
    .string({ error: orRequired('must be a string "name:tag", e.g. my-worker:v1.2.1') })
    .refine((artifact) => artifactTag(artifact) !== undefined, {
      error: 'must end with a tag of letters, digits, ".", "_" or "-" (at most 128), e.g. my-worker:v1.2.1',
    }),
  command: z
    .array(z.string({ error: 'must be a string' }), {
      error: orRequired('must be a list of strings (the program and its arguments), e.g. [node, worker.js]'),
    })
    .min(1, 'must name the program to run, e.g. [node, worker.js]'),
  cwd: z.string({ error: 'must be a folder path (relative to the manifest)' }).default('.'),
  env: z
    .record(z.string(), envValue, { error: 'must be a mapping of variable names to values' })
    .default({})
    .transform((env, ctx) => {
      for (const key of INJECTED_ENV) {
        if (key in env) {
          ctx.addIssue({
            code: 'custom',
            path: [key],
            message: `is set by the controller for every worker; remove it (the controller sets ${INJECTED_ENV.join(', ')})`,
          });
        }
      }
      return Object.fromEntries(
        Object.entries(env)
          .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
          .map(([key, value]) => [key, String(value)]),
      );
    }),
});

const gateSchema = strictObject({
  workflowType: z
    .string({ error: orRequired('must be a workflow type name') })
    .min(1, 'must be a workflow type name'),
  input: z.unknown().optional(),
  taskQueue: z.string({ error: 'must be a task queue name' }).min(1, 'must be a task queue name').optional(),
});

const stepSchema = strictObject({
  rampPercentage: z
    .number({ error: orRequired('must be a number from 1 to 99 (percent of new workflows)') })
    .gt(0, 'must be from 1 to 99 (percent of new workflows); the version becomes current after the last step')
    .lt(
      100,
      'must be from 1 to 99 (percent of new workflows); the version becomes current after the last step',
    ),
  pauseDuration: duration,
  gate: gateSchema.optional(),
});

const rolloutSchema = strictObject({
  strategy: z.enum(ROLLOUT_STRATEGIES, {
    error: (issue) =>
      issue.input === undefined
        ? `is required; one of ${ROLLOUT_STRATEGIES.join(', ')}`
        : `"${String(issue.input)}" is not a strategy; use one of ${ROLLOUT_STRATEGIES.join(', ')}`,
  }),
  steps: z.array(stepSchema, { error: 'must be a list of { rampPercentage, pauseDuration }' }).optional(),
  gate: gateSchema.optional(),
  onGateFailure: z
    .enum(GATE_FAILURE_ACTIONS, {
      error: (issue) =>
        `"${String(issue.input)}" is not allowed; use one of ${GATE_FAILURE_ACTIONS.join(', ')}`,
    })
    .default('block'),
  replaySample: z
    .number({ error: 'must be a whole number of workflows, 1 or more' })
    .int('must be a whole number of workflows, 1 or more')
    .min(1, 'must be a whole number of workflows, 1 or more')
    .optional(),
});

const sunsetSchema = strictObject({
  scaledownDelay: duration.prefault(DEFAULT_SCALEDOWN_DELAY),
  deleteDelay: duration.prefault(DEFAULT_DELETE_DELAY),
});

const documentSchema = strictObject({
  apiVersion: z.string({ error: 'must be a string' }).optional(),
  kind: z.literal('WorkerDeployment', {
    error: (issue) =>
      issue.input === undefined
        ? 'is required: WorkerDeployment'
        : `"${String(issue.input)}" is not allowed; use WorkerDeployment`,
  }),
  metadata: strictObject({
    name: name('the deployment name is "<name>/<namespace>"'),
    namespace: name('the deployment name is "<name>/<namespace>"'),
  }),
  spec: strictObject({
    replicas: z
      .number({ error: 'must be a whole number of worker processes, 0 or more' })
      .int('must be a whole number of worker processes, 0 or more')
      .min(0, 'must be a whole number of worker processes, 0 or more')
      .default(1),
    template: templateSchema,
    rollout: rolloutSchema,
    sunset: sunsetSchema.prefault({}),
    patch: strictObject({
      from: z
        .string({ error: orRequired('must be the build id of the version the workflows move from') })
        .min(1, 'must be the build id of the version the workflows move from'),
    }).optional(),
  }),
});

type ManifestDocument = z.output<typeof documentSchema>;

/** The tag of `name:tag` (the part after the last `:` that is not inside a registry host:port). */
export function artifactTag(artifact: string): string | undefined {
  const slash = artifact.lastIndexOf('/');
  const colon = artifact.lastIndexOf(':');
  if (colon <= slash) return undefined;
  const tag = artifact.slice(colon + 1);
  return TAG.test(tag) && colon > 0 ? tag : undefined;
}

/** JSON with keys in a fixed order, so the hash depends on the template's content only. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * C1: `<artifact tag>-<short hash of the whole template>`, e.g. `v1.2.1-4a5f`. The same template always
 * gives the same id; any change to the artifact, command, cwd or env gives a new one.
 */
export function buildIdOf(template: WorkerTemplate): string {
  const tag = artifactTag(template.artifact);
  if (tag === undefined)
    throw new ManifestError([`spec.template.artifact: "${template.artifact}" has no tag`]);
  const hash = createHash('sha256').update(canonicalJson(template)).digest('hex').slice(0, 4);
  return `${tag}-${hash}`;
}

function fieldPath(pathParts: readonly PropertyKey[]): string {
  let text = '';
  for (const part of pathParts) {
    text += typeof part === 'number' ? `[${part}]` : `${text === '' ? '' : '.'}${String(part)}`;
  }
  return text === '' ? '(document)' : text;
}

/** Checks that only belong together: steps for Progressive only, increasing ramps, a later delete. */
function crossFieldProblems(doc: ManifestDocument): string[] {
  const problems: string[] = [];
  const { rollout, sunset } = doc.spec;
  if (rollout.strategy === 'Progressive') {
    if (rollout.steps === undefined || rollout.steps.length === 0) {
      problems.push(
        'spec.rollout.steps: Progressive needs at least one step, e.g. [{ rampPercentage: 10, pauseDuration: 5m }]',
      );
    }
    rollout.steps?.forEach((step, index) => {
      const previous = rollout.steps?.[index - 1];
      if (previous !== undefined && step.rampPercentage <= previous.rampPercentage) {
        problems.push(
          `spec.rollout.steps[${index}].rampPercentage: ${step.rampPercentage} must be above the previous step's ${previous.rampPercentage}`,
        );
      }
    });
  } else if (rollout.steps !== undefined) {
    problems.push(
      `spec.rollout.steps: only the Progressive strategy uses steps; remove them or set strategy: Progressive (strategy is ${rollout.strategy})`,
    );
  }
  if (rollout.strategy === 'Manual' && rollout.gate !== undefined) {
    problems.push('spec.rollout.gate: Manual never promotes, so a gate would never run; remove it');
  }
  if (rollout.strategy === 'Manual' && rollout.replaySample !== undefined) {
    problems.push(
      'spec.rollout.replaySample: Manual never promotes, so no replay check would run; remove it',
    );
  }
  const patch = doc.spec.patch;
  if (patch !== undefined && rollout.strategy !== 'Manual') {
    problems.push(
      `spec.patch: a patch build is never promoted; set rollout.strategy: Manual (strategy is ${rollout.strategy})`,
    );
  }
  if (patch !== undefined && patch.from === buildIdOf(templateOf(doc))) {
    problems.push(`spec.patch.from: "${patch.from}" is this manifest's own build; name the broken build`);
  }
  if (sunset.deleteDelay < sunset.scaledownDelay) {
    problems.push(
      `spec.sunset.deleteDelay: must be at least scaledownDelay (${sunset.scaledownDelay} ms); got ${sunset.deleteDelay} ms`,
    );
  }
  return problems;
}

function templateOf(doc: ManifestDocument): WorkerTemplate {
  const { artifact, command, cwd, env } = doc.spec.template;
  return { artifact, command, cwd, env };
}

function toManifest(doc: ManifestDocument, source: string, baseDir: string): WorkerDeploymentManifest {
  const template = templateOf(doc);
  const { strategy, steps, gate, onGateFailure, replaySample } = doc.spec.rollout;
  return {
    source,
    baseDir,
    metadata: doc.metadata,
    deploymentName: `${doc.metadata.name}/${doc.metadata.namespace}`,
    replicas: doc.spec.replicas,
    template,
    buildId: buildIdOf(template),
    rollout: {
      strategy,
      steps: (steps ?? []).map((step) => ({
        rampPercentage: step.rampPercentage,
        pauseDurationMs: step.pauseDuration,
        ...(step.gate === undefined ? {} : { gate: step.gate }),
      })),
      ...(gate === undefined ? {} : { gate }),
      onGateFailure,
      ...(replaySample === undefined ? {} : { replaySample }),
    },
    sunset: { scaledownDelayMs: doc.spec.sunset.scaledownDelay, deleteDelayMs: doc.spec.sunset.deleteDelay },
    ...(doc.spec.patch === undefined ? {} : { patch: { fromBuildId: doc.spec.patch.from } }),
  };
}

/**
 * Parses the YAML text of one file (one or more documents separated by `---`). Throws a
 * {@link ManifestError} listing every problem of every document, each as `source: field: what to do`.
 */
export function parseManifests(
  text: string,
  file: string,
  baseDir = path.dirname(file),
): WorkerDeploymentManifest[] {
  const documents = parseAllDocuments(text);
  const list = Array.isArray(documents) ? documents : [documents];
  const manifests: WorkerDeploymentManifest[] = [];
  const problems: string[] = [];
  const real = list.filter((doc) => doc.contents !== null || doc.errors.length > 0);
  real.forEach((doc, index) => {
    const source = real.length > 1 ? `${file}#${index + 1}` : file;
    if (doc.errors.length > 0) {
      for (const error of doc.errors)
        problems.push(`${source}: YAML syntax: ${error.message.split('\n')[0]}`);
      return;
    }
    const parsed = documentSchema.safeParse(doc.toJS());
    if (!parsed.success) {
      for (const issue of parsed.error.issues)
        problems.push(`${source}: ${fieldPath(issue.path)}: ${issue.message}`);
      return;
    }
    const crossProblems = crossFieldProblems(parsed.data);
    if (crossProblems.length > 0) {
      for (const problem of crossProblems) problems.push(`${source}: ${problem}`);
      return;
    }
    manifests.push(toManifest(parsed.data, source, baseDir));
  });
  if (real.length === 0) problems.push(`${file}: no WorkerDeployment document in the file`);
  if (problems.length > 0) throw new ManifestError(problems);
  return manifests;
}

/**
 * Reads a manifest file, or every `.yaml`/`.yml` file of a folder (not its subfolders, in name order).
 * Two documents may not declare the same deployment.
 */
export async function loadManifests(fileOrFolder: string): Promise<WorkerDeploymentManifest[]> {
  const info = await stat(fileOrFolder).catch(() => undefined);
  if (info === undefined) {
    throw new ManifestError([
      `${fileOrFolder}: no such file or folder; pass a manifest file or a folder of them`,
    ]);
  }
  const files = info.isDirectory()
    ? (await readdir(fileOrFolder))
        .filter((entry) => /\.ya?ml$/i.test(entry))
        .sort()
        .map((entry) => path.join(fileOrFolder, entry))
    : [fileOrFolder];
  if (files.length === 0) throw new ManifestError([`${fileOrFolder}: the folder has no .yaml or .yml file`]);
  const manifests: WorkerDeploymentManifest[] = [];
  const problems: string[] = [];
  for (const file of files) {
    try {
      manifests.push(...parseManifests(await readFile(file, 'utf8'), file, path.dirname(path.resolve(file))));
    } catch (err) {
      if (!(err instanceof ManifestError)) throw err;
      problems.push(...err.problems);
    }
  }
  const seen = new Map<string, string>();
  for (const manifest of manifests) {
    const first = seen.get(manifest.deploymentName);
    if (first !== undefined) {
      problems.push(
        `${manifest.source}: metadata: deployment "${manifest.deploymentName}" is already declared in ${first}; each deployment needs exactly one manifest`,
      );
    }
    seen.set(manifest.deploymentName, first ?? manifest.source);
  }
  if (problems.length > 0) throw new ManifestError(problems);
  return manifests;
}
