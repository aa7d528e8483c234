/** The build id of the worker that runs the activity: pinned workflows run their activities on their own version (V4). */
export async function whoAmI(): Promise<string> {
  return process.env.STRATA_WORKER_BUILD_ID ?? 'unversioned';
}
