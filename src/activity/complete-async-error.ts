/**
 * Thrown by an activity to say it will be completed later, outside the worker, by whoever holds its
 * `info.taskToken` (for example an external system that calls RespondActivityTaskCompleted with it). The
 * worker then reports nothing for the attempt; its start-to-close and heartbeat timeouts still apply.
 *
 * @example
 * export async function waitForHumanApproval(request: string): Promise<string> {
 *   await ticketing.open(request, { token: Buffer.from(activityInfo().taskToken).toString('base64') });
 *   throw new CompleteAsyncError();
 * }
 */
export class CompleteAsyncError extends Error {
  override name = 'CompleteAsyncError';

  constructor() {
    super('[COMPLETE_ASYNC] the activity will be completed asynchronously with its task token');
  }
}
