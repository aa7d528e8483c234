/** The build this worker process runs, as a process manager set it: what the walk prints for each step. */
export async function whichBuild(): Promise<string> {
  return process.env.STRATA_WORKER_BUILD_ID ?? 'unversioned';
}
