/**
 * The local runtime's record of what it started, in its state folder: `state.json` (every build with
 * its template, replicas and process ids), a `controller.lock` holding the pid of the controller using
 * the folder (one controller per folder, so no worker is started twice), and `logs/` with each worker's
 * output. A restarted controller reads the record and adopts the processes still alive.
 */
import { closeSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { ResolvedTemplate } from './runtime.js';

export interface ProcessRecord {
  slot: number;
  pid: number;
  /** The value of the worker's marker variable (see local-process.ts). */
  marker: string;
  startedAtMs: number;
}

export interface BuildRecord {
  deploymentName: string;
  buildId: string;
  template: ResolvedTemplate;
  replicas: number;
  processes: ProcessRecord[];
}

interface StateDocument {
  version: 1;
  builds: BuildRecord[];
}

export class LocalStateFolder {
  readonly stateFile: string;
  readonly lockFile: string;
  readonly logDir: string;

  constructor(readonly dir: string) {
    this.stateFile = path.join(dir, 'state.json');
    this.lockFile = path.join(dir, 'controller.lock');
    this.logDir = path.join(dir, 'logs');
  }

  /** Takes the folder; refuses while a live controller holds it (this process included: one runtime per folder). */
  lock(): void {
    mkdirSync(this.logDir, { recursive: true });
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const fd = openSync(this.lockFile, 'wx');
        writeFileSync(fd, String(process.pid));
        closeSync(fd);
        return;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      const holder = Number.parseInt(readFileSync(this.lockFile, 'utf8'), 10);
      if (Number.isInteger(holder) && alive(holder)) {
        throw new Error(
          `[CONTROLLER_RUNNING] another controller (pid ${holder}) runs the workers recorded in ${this.dir}; stop it first, or give this one another --state-dir`,
        );
      }
      // The holder is gone (killed without cleaning up): take over.
      rmSync(this.lockFile, { force: true });
    }
    throw new Error(`[CONTROLLER_RUNNING] could not lock ${this.lockFile}`);
  }

  unlock(): void {
    rmSync(this.lockFile, { force: true });
  }

  read(): BuildRecord[] {
    let text: string;
    try {
      text = readFileSync(this.stateFile, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    const doc = JSON.parse(text) as StateDocument;
    if (doc.version !== 1 || !Array.isArray(doc.builds)) {
      throw new Error(
        `[INVALID_STATE] ${this.stateFile} is not a state file this controller can read (version ${doc.version})`,
      );
    }
    return doc.builds;
  }

  /** Replaces the record atomically (a crash leaves the old or the new file, never half of one). */
  write(builds: BuildRecord[]): void {
    const doc: StateDocument = { version: 1, builds };
    const temporary = `${this.stateFile}.${process.pid}.tmp`;
    writeFileSync(temporary, `${JSON.stringify(doc, null, 2)}\n`);
    renameSync(temporary, this.stateFile);
  }

  logFile(deploymentName: string, buildId: string, slot: number): string {
    return path.join(
      this.logDir,
      `${deploymentName.replace(/[^A-Za-z0-9._-]/g, '_')}_${buildId}_${slot}.log`,
    );
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
