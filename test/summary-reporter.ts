import type { RunnerTask, RunnerTestFile } from 'vitest';
import type { Reporter } from 'vitest/reporters';

/** Ends the run with one plain line, `Vitest: N passed, N failed, N skipped`, that CI logs can be read by. */
export default class SummaryReporter implements Reporter {
  onFinished(files: RunnerTestFile[] = []): void {
    const counts = { pass: 0, fail: 0, skip: 0 };
    const visit = (task: RunnerTask): void => {
      if (task.type === 'suite') {
        for (const child of task.tasks) visit(child);
        return;
      }
      const state = task.result?.state;
      if (state === 'pass') counts.pass++;
      else if (state === 'fail') counts.fail++;
      else counts.skip++;
    };
    for (const file of files) {
      visit(file);
      if (file.result?.state === 'fail' && file.tasks.length === 0) counts.fail++;
    }
    process.stdout.write(`Vitest: ${counts.pass} passed, ${counts.fail} failed, ${counts.skip} skipped\n`);
  }
}
