/**
 * Worker processes of the local runtime: started detached in their own process group (so they outlive
 * the controller and a stop reaches the children a command like `npx tsx` starts), their output appended
 * to a log file, and recognised later by a marker in their environment so a reused pid is never taken
 * for a worker.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import type { ResolvedTemplate } from './runtime.js';

/** The variable that tells a worker process apart from any other process with the same pid. */
export const PROCESS_MARKER_ENV = 'STRATA_CONTROLLER_PROCESS_ID';

export interface StartedProcess {
  pid: number;
  child: ChildProcess;
}

/** Starts one worker process; throws (with the command) if it cannot be spawned at all. */
export function startProcess(
  template: ResolvedTemplate,
  env: Record<string, string>,
  marker: string,
  logFile: string,
): StartedProcess {
  const [program, ...args] = template.command;
  const log = openSync(logFile, 'a');
  try {
    const child = spawn(program!, args, {
      cwd: template.cwd,
      env: { ...process.env, ...template.env, ...env, [PROCESS_MARKER_ENV]: marker },
      detached: true,
      stdio: ['ignore', log, log],
    });
    child.unref();
    if (child.pid === undefined) {
      // spawn reports ENOENT and the like through 'error'; without a pid nothing runs.
      child.on('error', () => {});
      throw new Error(
        `[WORKER_START_FAILED] cannot start ${template.command.join(' ')} in ${template.cwd}: check spec.template.command and cwd`,
      );
    }
    child.on('error', () => {});
    return { pid: child.pid, child };
  } finally {
    closeSync(log);
  }
}

/**
 * Whether `pid` is alive and is the worker started with `marker`. On Linux the marker is checked in
 * the process environment (`/proc`); elsewhere a live pid is trusted.
 */
export function isWorkerAlive(pid: number, marker: string): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false; // ESRCH: gone; EPERM: another user's process, so not ours
  }
  if (process.platform !== 'linux') return true;
  try {
    const environ = readFileSync(`/proc/${pid}/environ`, 'latin1');
    return environ.split('\0').includes(`${PROCESS_MARKER_ENV}=${marker}`);
  } catch {
    return false; // exited between the two checks, or not readable: not our worker
  }
}

/** Signals the process group of a worker (its children too); a process already gone is fine. */
export function signalWorker(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      // Gone already.
    }
  }
}
