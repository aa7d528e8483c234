import { Code, ConnectError } from '@connectrpc/connect';
import { encodeValue, type RawPayload } from '../common/converter.js';
import { ApplicationFailure, CancelledFailure, errorToFailure } from '../common/failure.js';
import { toProtoFailure } from '../common/failure-proto.js';
import type { Logger } from '../common/logger.js';
import { toProtoPayloads } from '../common/payload-proto.js';
import type { Failure, Payloads } from '../gen/strata/v1/common_pb.js';
import { callWithRetry, type RetryCallOptions } from './rpc-retry.js';
import type { WorkerConnection } from './worker-options.js';

/** What every report of one attempt carries. */
export interface AttemptIdentity {
  taskToken: Uint8Array;
  identity: string;
  namespace: string;
  activityType: string;
}

/**
 * Reports the outcome of one activity attempt. Transient RPC errors are retried (a server restart must not
 * lose work already done); NotFound is ignored: the server forgot the attempt (it timed out, or its
 * workflow closed), so its late outcome is moot.
 */
export class AttemptReporter {
  constructor(
    private readonly connection: WorkerConnection,
    private readonly attempt: AttemptIdentity,
    private readonly log: Logger,
  ) {}

  /** Reports the result; one JSON cannot hold fails the attempt with `[NOT_SERIALIZABLE]` instead. */
  async completed(value: unknown, lastHeartbeatDetails: Payloads | undefined): Promise<void> {
    let result: Payloads;
    try {
      result = toProtoPayloads([encodeValue(value, `the result of activity "${this.attempt.activityType}"`)]);
    } catch (error) {
      await this.failed(error, lastHeartbeatDetails);
      return;
    }
    await this.send('RespondActivityTaskCompleted', (callOptions) =>
      this.connection.workflowService.respondActivityTaskCompleted({ ...this.common(), result }, callOptions),
    );
  }

  /** Reports a failure; `ApplicationFailure` keeps its type and retry decision, other errors use their name. */
  async failed(error: unknown, lastHeartbeatDetails: Payloads | undefined): Promise<void> {
    const failure = failureOf(error);
    await this.send('RespondActivityTaskFailed', (callOptions) =>
      this.connection.workflowService.respondActivityTaskFailed(
        { ...this.common(), failure, lastHeartbeatDetails },
        callOptions,
      ),
    );
  }

  /** Reports that the attempt accepted a cancellation requested by its workflow. */
  async canceled(error: unknown): Promise<void> {
    const details = toProtoPayloads(encodeDetails(error instanceof CancelledFailure ? error.details : []));
    await this.send('RespondActivityTaskCanceled', (callOptions) =>
      this.connection.workflowService.respondActivityTaskCanceled({ ...this.common(), details }, callOptions),
    );
  }

  private common(): { taskToken: Uint8Array; identity: string; namespace: string } {
    const { taskToken, identity, namespace } = this.attempt;
    return { taskToken, identity, namespace };
  }

  private async send(rpc: string, call: (callOptions: RetryCallOptions) => Promise<unknown>): Promise<void> {
    try {
      await callWithRetry(call, {
        what: `${rpc} for activity "${this.attempt.activityType}"`,
        logger: this.log,
      });
    } catch (err) {
      if (ConnectError.from(err).code !== Code.NotFound) throw err;
      this.log.debug(`${rpc} ignored: the server no longer knows the attempt`);
    }
  }
}

/** The wire failure of anything thrown; falls back to the message when details cannot be serialized. */
function failureOf(error: unknown): Failure {
  try {
    return toProtoFailure(errorToFailure(error));
  } catch (conversionError) {
    return toProtoFailure(errorToFailure(ApplicationFailure.fromError(conversionError)));
  }
}

function encodeDetails(details: readonly unknown[]): RawPayload[] {
  try {
    return details.map((detail, i) => encodeValue(detail, `cancellation detail ${i + 1}`));
  } catch {
    return [];
  }
}
