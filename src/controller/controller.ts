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
import { type Refusal, RefusalLog } from './refusals.js';
import { divergenceReport, verifyPromotionReplay } from './replay-check.js';
import type { WorkerRuntime } from './runtime/runtime.js';

/** How long a refused replay check stands before the controller replays again. */
const refusalRetryMs = 30_000;

export interface RolloutControllerOptions {
  /** A manifest file or a folder of them, read again every loop (edits take effect at the next loop). */
  manifestPath: string;
  client: ControllerClient;
  runtime: WorkerRuntime;
  logger: Logger;
  /** Recorded by the server with each routing change. @default 'strata-controller' */
  identity?: string;
  /** Where replay refusals are written for `strata controller status`; in memory only when omitted. */
  stateDir?: string;
}

/** One deployment's loop: what was seen, what was planned, and what failed. */
export interface DeploymentReport {
  manifest: WorkerDeploymentManifest;
  observed: ObservedDeployment;
  actions: ControllerAction[];
  errors: string[];
  /** Replay checks that refused this deployment's patch or promotion and still stand. */
  refusals: Refusal[];
}

/**
 * Loads the manifests, observes each deployment and plans, without acting (`strata controller status`);
 * `refusals` are the standing replay refusals to report with their deployments.
 */
export async function inspect(
  sources: ObserveSources & { manifestPath: string },
  nowMs = Date.now(),
  refusals: readonly Refusal[] = [],
): Promise<DeploymentReport[]> {
  const manifests = await loadManifests(sources.manifestPath);
  return Promise.all(
    manifests.map(async (manifest) => {
      const observed = await observe(sources, manifest);
      return {
        manifest,
        observed,
        actions: plan(observed, manifest, nowMs),
        errors: [],
        refusals: refusals.filter((refusal) => refusal.deploymentName === manifest.deploymentName),
      };
    }),
  );
}

export class RolloutController {
  private readonly identity: string;
  /** The waits and blocks logged last loop, so each is logged once when it starts, not every loop. */
  private lastNotes = new Set<string>();
  /** Replay checks that refused a patch or a promotion, by deployment and what they checked. */
  private readonly refusals: RefusalLog;

  constructor(private readonly options: RolloutControllerOptions) {
    this.identity = options.identity ?? 'strata-controller';
    this.refusals = new RefusalLog(options.stateDir);
  }

  /** One loop over every manifest; `ManifestError` if the manifests do not load (nothing is done then). */
  async reconcile(nowMs = Date.now()): Promise<DeploymentReport[]> {
    const reports = await inspect(this.options, nowMs, this.refusals.list());
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

  /**
   * Replay-verified promotion: the build's workers replay the open AutoUpgrade workflows the routing
   * change would move (all, or `rollout.replaySample`) before it is made; a divergence refuses it.
   */
  private async verifyPromotion(manifest: WorkerDeploymentManifest, buildId: string): Promise<void> {
    const { deploymentName } = manifest;
    await this.verified(deploymentName, `promote ${buildId}`, async () => {
      const count = await verifyPromotionReplay(
        this.options.client,
        deploymentName,
        buildId,
        manifest.rollout.replaySample,
      );
      if (count > 0) {
        this.options.logger.info(
          `${deploymentName}: ${count} open AutoUpgrade workflow(s) replay without divergence on ${buildId}`,
        );
      }
    });
  }

  /**
   * Runs a replay check, remembering a refusal for {@link refusalRetryMs}: within it the same refusal is
   * thrown again without replaying (replays occupy the build's workers), after it the check runs again.
   */
  private async verified(deploymentName: string, check: string, run: () => Promise<void>): Promise<void> {
    const key = `${deploymentName}|${check}`;
    const refused = this.refusals.get(key);
    if (refused !== undefined && Date.now() - refused.atMs < refusalRetryMs) throw new Error(refused.message);
    try {
      await run();
      this.refusals.delete(key);
    } catch (err) {
      if (err instanceof Error && /^\[(PATCH_REFUSED|REPLAY_DIVERGED)\]/.test(err.message)) {
        this.refusals.set(key, { deploymentName, check, message: err.message, atMs: Date.now() });
      }
      throw err;
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
        if (action.buildId !== undefined && action.percentage > 0) {
          await this.verifyPromotion(manifest, action.buildId);
        }
        await deployments.setRampingVersion(deploymentName, action.buildId, action.percentage, {
          conflictToken: action.conflictToken,
          identity,
        });
        return;
      case 'setCurrent':
        await this.verifyPromotion(manifest, action.buildId);
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
      case 'patch':
        await this.verified(deploymentName, `patch ${action.fromBuildId} -> ${action.buildId}`, async () => {
          const result = await deployments.patch({
            deploymentName,
            from: action.fromBuildId,
            to: action.buildId,
            reason: `strata controller: spec.patch.from ${action.fromBuildId}`,
          });
          const from = `${deploymentName}:${action.fromBuildId}`;
          const to = `${deploymentName}:${action.buildId}`;
          if (result.diverged.length > 0) {
            throw new Error(
              `[PATCH_REFUSED] ${result.diverged.length} of ${result.replays.length} workflow(s) pinned to ${from} would not replay on ${to}; nothing moved: ${divergenceReport(result.diverged)}`,
            );
          }
          const batch = result.batch;
          if (batch && !result.moved) {
            throw new Error(
              `batch ${batch.jobId} ${batch.state} moved ${batch.completeOperationCount} of ${batch.totalOperationCount} workflow(s) from ${from} to ${to} (${batch.failureOperationCount} failed)`,
            );
          }
          this.options.logger.info(
            `${deploymentName}: moved ${batch?.completeOperationCount ?? 0} workflow(s) from ${from} to ${to} after replaying them on its workers`,
          );
        });
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
