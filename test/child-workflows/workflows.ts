/** Workflows of the child workflow and external handle tests. */
import {
  ApplicationFailure,
  CancellationScope,
  ChildWorkflowCancellationType,
  ChildWorkflowFailure,
  condition,
  defineSearchAttributeKey,
  defineSignal,
  executeChild,
  getExternalWorkflowHandle,
  isCancellation,
  ParentClosePolicy,
  type ParentWorkflowInfo,
  setHandler,
  startChild,
  WorkflowExecutionAlreadyStartedError,
  workflowInfo,
} from 'strata/workflow';

export const go = defineSignal<[value: string]>('go');

/** What a workflow saw of an error it caught. */
export interface SeenError {
  name: string;
  message: string;
  causeName?: string;
  causeType?: string;
  causeMessage?: string;
  type?: string;
  workflowId?: string;
  workflowType?: string;
}

function seen(err: unknown): SeenError {
  if (!(err instanceof Error)) throw err;
  const cause = err.cause instanceof Error ? err.cause : undefined;
  return {
    name: err.name,
    message: err.message,
    ...(cause ? { causeName: cause.name, causeMessage: cause.message } : {}),
    ...(cause instanceof ApplicationFailure ? { causeType: cause.type } : {}),
    ...(err instanceof ApplicationFailure ? { type: err.type } : {}),
    ...(err instanceof ChildWorkflowFailure
      ? { workflowId: err.execution.workflowId, workflowType: err.workflowType }
      : {}),
    ...(err instanceof WorkflowExecutionAlreadyStartedError
      ? { workflowId: err.workflowId, workflowType: err.workflowType }
      : {}),
  };
}

export async function greetChild(name: string): Promise<string> {
  return `Hello, ${name}!`;
}

/** Returns what the child knows of its parent. */
export async function parentInfoChild(): Promise<ParentWorkflowInfo | undefined> {
  return workflowInfo().parent;
}

export async function failingChild(): Promise<never> {
  throw ApplicationFailure.nonRetryable('out of stock', 'OutOfStock');
}

/**
 * Waits for `go` and returns its value. Cancellation rejects the wait: the child lets it escape (status
 * CANCELLED) unless `onCancel` says to return instead.
 */
export async function waitingChild(onCancel: 'cancel' | 'return' = 'cancel'): Promise<string> {
  let value: string | undefined;
  setHandler(go, (v) => {
    value = v;
  });
  try {
    await condition(() => value !== undefined);
  } catch (err) {
    if (onCancel === 'return' && isCancellation(err)) return 'saw cancellation';
    throw err;
  }
  return value ?? '';
}

/** Waits for `go` on a plain promise, so a cancellation request does not stop it. */
export async function stubbornChild(): Promise<string> {
  return new Promise<string>((resolve) => setHandler(go, resolve));
}

export async function executesChild(name: string): Promise<string> {
  return executeChild(greetChild, { args: [name], workflowId: `${workflowInfo().workflowId}-child` });
}

export async function asksChildForParent(): Promise<ParentWorkflowInfo | undefined> {
  return executeChild(parentInfoChild, { workflowId: `${workflowInfo().workflowId}-child` });
}

/** Default options: the child's id comes from the run's seeded generator, its task queue is ours. */
export async function childWithDefaults(): Promise<{ workflowId: string; result: string }> {
  const child = await startChild(greetChild, { args: ['defaults'] });
  return { workflowId: child.workflowId, result: await child.result() };
}

export async function catchesChildFailure(): Promise<SeenError> {
  try {
    await executeChild(failingChild, { workflowId: `${workflowInfo().workflowId}-child` });
    return { name: 'none', message: 'the child was expected to fail' };
  } catch (err) {
    return seen(err);
  }
}

/** Starts a waiting child, signals it through the handle, returns its result. */
export async function signalsChild(): Promise<string> {
  const child = await startChild(waitingChild, { workflowId: `${workflowInfo().workflowId}-child` });
  await child.signal(go, 'through the handle');
  return child.result();
}

/** Starts a child that waits for `go` and returns at once, leaving it to its parent close policy. */
export async function startsChildAndReturns(
  childId: string,
  policy: ParentClosePolicy,
  onCancel: 'cancel' | 'return' = 'cancel',
): Promise<string> {
  const child = await startChild(waitingChild, {
    workflowId: childId,
    parentClosePolicy: policy,
    args: [onCancel],
  });
  return child.firstExecutionRunId;
}

/** Waits for a child that waits for `go` (the test signals the child). */
export async function awaitsWaitingChild(childId: string): Promise<string> {
  return executeChild(waitingChild, { workflowId: childId });
}

export async function startsChildWithId(childId: string): Promise<SeenError | string> {
  try {
    return await executeChild(greetChild, { workflowId: childId, args: ['again'] });
  } catch (err) {
    return seen(err);
  }
}

/**
 * One stubborn child per cancellation type (parent close policy ABANDON); when the workflow is cancelled,
 * reports how each child's result settled: its value, or the error.
 */
export async function childrenByCancellationType(): Promise<Record<string, string | SeenError>> {
  const types = Object.values(ChildWorkflowCancellationType);
  const children = await Promise.all(
    types.map((cancellationType) =>
      startChild(stubbornChild, {
        workflowId: `${workflowInfo().workflowId}-${cancellationType}`,
        cancellationType,
        parentClosePolicy: ParentClosePolicy.ABANDON,
      }),
    ),
  );
  const settled = await Promise.allSettled(children.map((child) => child.result()));
  return Object.fromEntries(
    settled.map((outcome, i) => [
      types[i],
      outcome.status === 'fulfilled' ? outcome.value : seen(outcome.reason),
    ]),
  );
}

export async function signalsExternal(workflowId: string, runId?: string): Promise<SeenError | string> {
  try {
    await getExternalWorkflowHandle(workflowId, runId).signal(go, `from ${workflowInfo().workflowId}`);
    return 'signalled';
  } catch (err) {
    return seen(err);
  }
}

export async function cancelsExternal(workflowId: string): Promise<SeenError | string> {
  try {
    await getExternalWorkflowHandle(workflowId).cancel();
    return 'cancel requested';
  } catch (err) {
    return seen(err);
  }
}

/** Fails its first attempt, so only a retry policy lets it complete. */
export async function flakyChild(): Promise<string> {
  if (workflowInfo().attempt === 1) throw ApplicationFailure.retryable('first attempt fails', 'Flaky');
  return `attempt ${workflowInfo().attempt}`;
}

/** A child with a retry policy, memo and a search attribute; returns its result. */
export async function childWithStartOptions(customer: string): Promise<string> {
  return executeChild(flakyChild, {
    workflowId: `${workflowInfo().workflowId}-child`,
    retry: { maximumAttempts: 2, initialInterval: '1s' },
    memo: { note: 'from the parent' },
    typedSearchAttributes: [{ key: defineSearchAttributeKey('CustomerId', 'KEYWORD'), value: customer }],
  });
}

/** Starts a child with workflowIdReusePolicy REJECT_DUPLICATE on an id used before. */
export async function reusesChildId(childId: string): Promise<SeenError | string> {
  try {
    return await executeChild(greetChild, {
      workflowId: childId,
      args: ['again'],
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
    });
  } catch (err) {
    return seen(err);
  }
}

/** Starts a stubborn child in a scope, cancels the scope, and reports how the child's result settled. */
export async function cancelsChildScope(): Promise<SeenError | string> {
  const scope = new CancellationScope();
  const child = await scope.run(() =>
    startChild(waitingChild, {
      workflowId: `${workflowInfo().workflowId}-child`,
      cancellationType: ChildWorkflowCancellationType.WAIT_CANCELLATION_COMPLETED,
    }),
  );
  scope.cancel();
  try {
    return await child.result();
  } catch (err) {
    return seen(err);
  }
}
