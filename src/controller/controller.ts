/**
 * The reconcile loop: every interval it reloads the manifests, observes each deployment afresh (C3),
 * plans, and carries out the actions, logging each with its reason. It sleeps until the next interval
 * or the next due wait, whichever comes first.
 */
import path from 'node:path';
import { WorkflowExecutionAlreadyStartedError } from '../common/failure.js';
import type { Logger } from '../common/logger.js';
import { type ControllerAction, describeAction, isEffect } from './actions.js';
import { loadManifests, type WorkerDeploymentManifest } from './manifest.js';
import { type ControllerClient, type ObserveSources, observe } from './observe.js';
import type { ObservedDeployment } from './observed.js';
import { nextDue, plan } from './planner.js';
import type { WorkerRuntime } from './runtime/runtime.js';

export interface RolloutControllerOptions {
  /** A manifest file or a folder of them, read again every loop (edits take effect at the next loop). */
  manifestPath: string;
  client: ControllerClient;
  runtime: WorkerRuntime;
  logger: Logger;
  /** Recorded by the server with each routing change. @default 'strata-controller' */
  identity?: string;
}

/** One deployment's loop: what was seen, what was planned, and what failed. */
export interface DeploymentReport {
  manifest: WorkerDeploymentManifest;
  observed: ObservedDeployment;
  actions: ControllerAction[];
  errors: string[];
}

/** Loads the manifests, observes each deployment and plans, without acting (`strata controller status`). */
export async function inspect(
  sources: ObserveSources & { manifestPath: string },
  nowMs = Date.now(),
): Promise<DeploymentReport[]> {
  const manifests = await loadManifests(sources.manifestPath);
  return Promise.all(
    manifests.map(async (manifest) => {
      const observed = await observe(sources, manifest);
      return { manifest, observed, actions: plan(observed, manifest, nowMs), errors: [] };
    }),
  );
}

export class RolloutController {
  private readonly identity: string;
  /** The waits and blocks logged last loop, so each is logged once when it starts, not every loop. */
  private lastNotes = new Set<string>();

  constructor(private readonly options: RolloutControllerOptions) {
    this.identity = options.identity ?? 'strata-controller';
  }

  /** One loop over every manifest; `ManifestError` if the manifests do not load (nothing is done then). */
  async reconcile(nowMs = Date.now()): Promise<DeploymentReport[]> {
    const reports = await inspect(this.options, nowMs);
    const notes = new Set<string>();
    for (const report of reports) {
      const { manifest } = report;
      for (const action of report.actions) {
        const line = `${manifest.deploymentName}: ${describeAction(action)}: ${action.reason}`;
        if (!isEffect(action)) {
          notes.add(line);
          if (!this.lastNotes.has(line)) {
            this.options.logger[action.kind === 'blocked' ? 'warn' : 'info'](line);
          }
          continue;
        }
        this.options.logger.info(line);
        try {
          await this.execute(manifest, action);
        } catch (err) {
          const message = err instanceof Error ? err.message : String(err);
          report.errors.push(`${describeAction(action)}: ${message}`);
          this.options.logger.error(
            `${manifest.deploymentName}: ${describeAction(action)} failed: ${message}`,
          );
        }
      }
    }
    this.lastNotes = notes;
    return reports;
  }

  /** Loops until `signal` aborts; a failed loop (server unreachable, bad manifest) is logged and retried. */
  async run(options: { intervalMs: number; signal: AbortSignal }): Promise<void> {
    const { intervalMs, signal } = options;
    while (!signal.aborted) {
      let sleepMs = intervalMs;
      try {
        const reports = await this.reconcile();
        const due = nextDue(reports.flatMap((report) => report.actions));
        if (due !== undefined) sleepMs = Math.max(50, Math.min(intervalMs, due - Date.now()));
      } catch (err) {
        this.options.logger.error(err instanceof Error ? err.message : String(err));
      }
      await new Promise<void>((resolve) => {
        const wake = () => {
          clearTimeout(timer);
          signal.removeEventListener('abort', wake);
          resolve();
        };
        const timer = setTimeout(wake, sleepMs);
        signal.addEventListener('abort', wake, { once: true });
      });
    }
  }

  private async execute(manifest: WorkerDeploymentManifest, action: ControllerAction): Promise<void> {
    const { runtime } = this.options;
    const deployments = this.options.client.workerDeployments;
    const deploymentName = manifest.deploymentName;
    const identity = this.identity;
    switch (action.kind) {
      case 'scale': {
        const template = action.template && {
          ...action.template,
          cwd: path.resolve(manifest.baseDir, action.template.cwd),
        };
        await runtime.scale(deploymentName, action.buildId, action.replicas, template);
        return;
      }
      case 'setRamping':
        await deployments.setRampingVersion(deploymentName, action.buildId, action.percentage, {
          conflictToken: action.conflictToken,
          identity,
        });
        return;
      case 'setCurrent':
        await deployments.setCurrentVersion(deploymentName, action.buildId, {
          conflictToken: action.conflictToken,
          identity,
        });
        return;
      case 'startGate':
        await this.options.client.workflow
          .start(action.workflowType, {
            taskQueue: action.taskQueue,
            workflowId: action.workflowId,
            args: action.args,
            // V5: the gate runs on the new build, which no new workflow reaches before promotion.
            versioningOverride: { pinnedTo: { deploymentName, buildId: action.buildId } },
          })
          .catch((err: unknown) => {
            // Started by an earlier loop whose answer was lost: it runs, which is what is wanted.
            if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
          });
        return;
      case 'deleteVersion':
        await runtime.delete(deploymentName, action.buildId);
        if (action.onServer)
          await deployments.deleteVersion({ deploymentName, buildId: action.buildId }, { identity });
        return;
      case 'wait':
      case 'blocked':
        return;
      default: {
        const unknownAction: never = action;
        throw new Error(`unknown action ${JSON.stringify(unknownAction)}`);
      }
    }
  }
}
