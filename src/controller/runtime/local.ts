/**
 * The local runtime: worker processes on this machine, `replicas` per build id, each with the server's
 * address and namespace and its version injected (`STRATA_ADDRESS`, `STRATA_NAMESPACE`,
 * `STRATA_DEPLOYMENT_NAME`, `STRATA_WORKER_BUILD_ID`). A supervisor restarts crashed processes with
 * exponential backoff. Processes are detached and recorded in the state folder, so stopping the
 * controller leaves them running (unless asked) and the next controller adopts them.
 */
import { randomUUID } from 'node:crypto';
import { DefaultLogger, type Logger } from '../../common/logger.js';
import type { RuntimeVersion } from '../observed.js';
import { isWorkerAlive, signalWorker, startProcess } from './local-process.js';
import { type BuildRecord, LocalStateFolder, type ProcessRecord } from './local-state.js';
import { injectedEnv, type ResolvedTemplate, type WorkerRuntime } from './runtime.js';

export interface LocalRuntimeOptions {
  /** Where the record of started processes, the lock and the worker logs live. */
  stateDir: string;
  /** Given to every worker as `STRATA_ADDRESS`. */
  address: string;
  /** Given to every worker as `STRATA_NAMESPACE`. */
  namespace: string;
  logger?: Logger;
  /** Delay before restarting a crashed worker: `initialMs`, doubling per crash in a row, at most `maxMs`. @default { initialMs: 1000, maxMs: 30000 } */
  restartBackoff?: { initialMs: number; maxMs: number };
  /** How often processes are checked (crashes of adopted processes are seen this way). @default 1000 */
  superviseIntervalMs?: number;
  /** After SIGTERM, how long a worker has to exit before SIGKILL. @default 10000 */
  stopGraceMs?: number;
}

/** A process slot's supervision state; only `record` is persisted. */
interface Slot {
  record?: ProcessRecord;
  /** Crashes in a row, for the backoff; reset once a process has run longer than the maximum backoff. */
  crashes: number;
  notBeforeMs: number;
}

interface Build {
  record: BuildRecord;
  slots: Map<number, Slot>;
  /** Processes past `replicas`, asked to stop, with the time SIGKILL follows. */
  stopping: Array<{ record: ProcessRecord; killAtMs: number }>;
}

const key = (deploymentName: string, buildId: string) => `${deploymentName}\n${buildId}`;

export class LocalRuntime implements WorkerRuntime {
  private readonly folder: LocalStateFolder;
  private readonly logger: Logger;
  private readonly backoff: { initialMs: number; maxMs: number };
  private readonly stopGraceMs: number;
  private readonly builds = new Map<string, Build>();
  private timer: NodeJS.Timeout | undefined;
  /** Operations run one at a time, so a scale never races a supervision pass. */
  private queue: Promise<void> = Promise.resolve();
  private closed = false;

  private constructor(private readonly options: LocalRuntimeOptions) {
    this.folder = new LocalStateFolder(options.stateDir);
    this.logger = options.logger ?? new DefaultLogger();
    this.backoff = options.restartBackoff ?? { initialMs: 1000, maxMs: 30_000 };
    this.stopGraceMs = options.stopGraceMs ?? 10_000;
  }

  /** Locks the state folder, adopts the recorded processes still alive and starts the missing ones. */
  static async open(options: LocalRuntimeOptions): Promise<LocalRuntime> {
    const runtime = new LocalRuntime(options);
    runtime.folder.lock();
    try {
      for (const record of runtime.folder.read()) {
        const build: Build = { record: { ...record, processes: [] }, slots: new Map(), stopping: [] };
        for (const process of record.processes) {
          if (!isWorkerAlive(process.pid, process.marker)) continue;
          if (process.slot < record.replicas && !build.slots.has(process.slot)) {
            build.slots.set(process.slot, { record: process, crashes: 0, notBeforeMs: 0 });
          } else {
            build.stopping.push({ record: process, killAtMs: Date.now() + runtime.stopGraceMs });
            signalWorker(process.pid, 'SIGTERM');
          }
        }
        runtime.builds.set(key(record.deploymentName, record.buildId), build);
      }
      await runtime.enqueue(() => runtime.supervise());
    } catch (err) {
      runtime.folder.unlock();
      throw err;
    }
    const interval = options.superviseIntervalMs ?? 1000;
    runtime.timer = setInterval(() => void runtime.enqueue(() => runtime.supervise()), interval);
    runtime.timer.unref();
    return runtime;
  }

  async list(deploymentName: string): Promise<RuntimeVersion[]> {
    return this.enqueue(() =>
      [...this.builds.values()]
        .filter((build) => build.record.deploymentName === deploymentName)
        .map((build) => ({
          buildId: build.record.buildId,
          desiredReplicas: build.record.replicas,
          runningReplicas: [...build.slots.values()].filter(
            (slot) => slot.record !== undefined && isWorkerAlive(slot.record.pid, slot.record.marker),
          ).length,
          hasTemplate: true,
        })),
    );
  }

  async scale(
    deploymentName: string,
    buildId: string,
    replicas: number,
    template?: ResolvedTemplate,
  ): Promise<void> {
    await this.enqueue(() => {
      const id = key(deploymentName, buildId);
      let build = this.builds.get(id);
      if (build === undefined) {
        if (template === undefined) {
          throw new Error(
            `[NO_TEMPLATE] the runtime never ran ${deploymentName}:${buildId} and was given no template`,
          );
        }
        build = {
          record: { deploymentName, buildId, template, replicas, processes: [] },
          slots: new Map(),
          stopping: [],
        };
        this.builds.set(id, build);
      }
      if (template !== undefined) build.record.template = template;
      build.record.replicas = replicas;
      this.supervise();
    });
  }

  async delete(deploymentName: string, buildId: string): Promise<void> {
    if (!this.builds.has(key(deploymentName, buildId))) return;
    await this.scale(deploymentName, buildId, 0);
    await this.enqueue(() => {
      this.builds.delete(key(deploymentName, buildId));
      this.persist();
    });
  }

  /** Stops supervising and unlocks the folder; with `stopWorkers`, first stops every worker (SIGTERM, then SIGKILL). */
  async close(options: { stopWorkers?: boolean } = {}): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    await this.queue;
    if (options.stopWorkers) {
      const killAtMs = Date.now() + this.stopGraceMs;
      for (const build of this.builds.values()) {
        for (const slot of build.slots.values()) {
          if (slot.record === undefined) continue;
          build.stopping.push({ record: slot.record, killAtMs });
          signalWorker(slot.record.pid, 'SIGTERM');
        }
        build.slots.clear();
      }
      while ([...this.builds.values()].some((build) => build.stopping.length > 0)) {
        for (const build of this.builds.values()) this.reapStopping(build);
        this.persist();
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
    this.persist();
    this.folder.unlock();
  }

  private enqueue<T>(operation: () => T): Promise<T> {
    const result = this.queue.then(operation);
    this.queue = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }

  /** One pass: restart what crashed (after its backoff), start what is missing, stop what is too much. */
  private supervise(): void {
    if (this.closed) return;
    const now = Date.now();
    for (const build of this.builds.values()) {
      const { replicas } = build.record;
      for (const [index, slot] of build.slots) {
        if (index >= replicas) {
          if (slot.record) {
            build.stopping.push({ record: slot.record, killAtMs: now + this.stopGraceMs });
            signalWorker(slot.record.pid, 'SIGTERM');
          }
          build.slots.delete(index);
        } else if (slot.record && !isWorkerAlive(slot.record.pid, slot.record.marker)) {
          this.crashed(build, index, slot, now);
        }
      }
      for (let index = 0; index < replicas; index++) {
        const slot = build.slots.get(index) ?? { crashes: 0, notBeforeMs: 0 };
        build.slots.set(index, slot);
        if (slot.record === undefined && now >= slot.notBeforeMs) this.start(build, index, slot, now);
      }
      this.reapStopping(build);
    }
    this.persist();
  }

  private crashed(build: Build, index: number, slot: Slot, now: number): void {
    const ranMs = now - slot.record!.startedAtMs;
    if (ranMs > this.backoff.maxMs) slot.crashes = 0;
    slot.crashes++;
    const delayMs = Math.min(this.backoff.maxMs, this.backoff.initialMs * 2 ** (slot.crashes - 1));
    slot.notBeforeMs = now + delayMs;
    this.logger.warn(
      `worker ${index} of ${build.record.deploymentName}:${build.record.buildId} (pid ${slot.record!.pid}) exited after ${ranMs} ms; restarting in ${delayMs} ms`,
    );
    slot.record = undefined;
  }

  private start(build: Build, index: number, slot: Slot, now: number): void {
    const { deploymentName, buildId, template } = build.record;
    const marker = randomUUID();
    const env = injectedEnv({
      address: this.options.address,
      namespace: this.options.namespace,
      deploymentName,
      buildId,
    });
    try {
      const started = startProcess(
        template,
        env,
        marker,
        this.folder.logFile(deploymentName, buildId, index),
      );
      slot.record = { slot: index, pid: started.pid, marker, startedAtMs: now };
      // A crash of our own child is acted on at once; adopted ones are seen by the periodic pass.
      started.child.once('exit', () => void this.enqueue(() => this.supervise()));
      this.logger.info(`started worker ${index} of ${deploymentName}:${buildId} (pid ${started.pid})`);
    } catch (err) {
      slot.crashes++;
      slot.notBeforeMs = now + Math.min(this.backoff.maxMs, this.backoff.initialMs * 2 ** (slot.crashes - 1));
      this.logger.error(err instanceof Error ? err.message : String(err));
    }
  }

  private reapStopping(build: Build): void {
    const now = Date.now();
    build.stopping = build.stopping.filter(({ record, killAtMs }) => {
      if (!isWorkerAlive(record.pid, record.marker)) return false;
      if (now >= killAtMs) signalWorker(record.pid, 'SIGKILL');
      return true;
    });
  }

  private persist(): void {
    this.folder.write(
      [...this.builds.values()].map((build) => ({
        ...build.record,
        processes: [
          ...[...build.slots.values()].flatMap((slot) => (slot.record ? [slot.record] : [])),
          ...build.stopping.map((stopping) => stopping.record),
        ],
      })),
    );
  }
}

/**
 * What a local runtime's state folder records, read without taking it over (for `strata controller
 * status` while a controller runs): builds, replicas, and the recorded processes still alive.
 */
export function readLocalRuntime(stateDir: string): {
  list(deploymentName: string): Promise<RuntimeVersion[]>;
} {
  const records = new LocalStateFolder(stateDir).read();
  return {
    list: async (deploymentName) =>
      records
        .filter((record) => record.deploymentName === deploymentName)
        .map((record) => ({
          buildId: record.buildId,
          desiredReplicas: record.replicas,
          runningReplicas: record.processes.filter(
            (process) => process.slot < record.replicas && isWorkerAlive(process.pid, process.marker),
          ).length,
          hasTemplate: true,
        })),
  };
}
