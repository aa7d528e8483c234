/**
 * Replay checks that refused a patch or a promotion ([PATCH_REFUSED], [REPLAY_DIVERGED]). The running
 * controller keeps them to hold off replaying again for a while, and writes them to `refusals.json` in
 * its state folder, so `strata controller status` (another process) shows why a deployment is blocked.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export interface Refusal {
  deploymentName: string;
  /** What was checked, e.g. `promote v1.3.0-ab12` or `patch v1.2.0-dsf7 -> v1.2.1-4543`. */
  check: string;
  /** The refusal, with the report of each diverging workflow and its first diverging event. */
  message: string;
  atMs: number;
}

export class RefusalLog {
  private readonly entries = new Map<string, Refusal>();

  /** Without a folder the log lives in memory only (tests, `--once` without a state folder). */
  constructor(private readonly stateDir?: string) {}

  static fileIn(stateDir: string): string {
    return path.join(stateDir, 'refusals.json');
  }

  /** The refusals a controller using `stateDir` recorded last; none when it never wrote any. */
  static read(stateDir: string): Refusal[] {
    try {
      return JSON.parse(readFileSync(RefusalLog.fileIn(stateDir), 'utf8')) as Refusal[];
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
  }

  /** Every refusal that no later check of the same thing has cleared. */
  list(): Refusal[] {
    return [...this.entries.values()];
  }

  get(key: string): Refusal | undefined {
    return this.entries.get(key);
  }

  set(key: string, refusal: Refusal): void {
    this.entries.set(key, refusal);
    this.save();
  }

  delete(key: string): void {
    if (this.entries.delete(key)) this.save();
  }

  private save(): void {
    if (this.stateDir === undefined) return;
    const file = RefusalLog.fileIn(this.stateDir);
    writeFileSync(`${file}.tmp`, `${JSON.stringify([...this.entries.values()], null, 2)}\n`);
    renameSync(`${file}.tmp`, file);
  }
}
