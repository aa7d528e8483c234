import { describe, expectTypeOf, it } from 'vitest';
import type { WorkflowClient, WorkflowHandle, WorkflowStartOptions } from '../../src/client/index.js';
import { defineQuery, defineSignal } from '../../src/workflow/handlers.js';

async function greet(name: string): Promise<string> {
  return `Hello, ${name}!`;
}

async function tick(): Promise<number> {
  return 1;
}

describe('workflow functions type the start options and the result, as in Temporal', () => {
  it('execute(fn) checks args against the parameters and types the result', () => {
    expectTypeOf<WorkflowClient['execute']>().toBeFunction();
    type GreetOptions = WorkflowStartOptions<typeof greet>;
    expectTypeOf<GreetOptions['args']>().toEqualTypeOf<[name: string] | readonly [name: string]>();
    expectTypeOf<ReturnType<WorkflowHandle<typeof greet>['result']>>().toEqualTypeOf<Promise<string>>();
  });

  it('a workflow without parameters takes no args', () => {
    expectTypeOf<WorkflowStartOptions<typeof tick>['args']>().toEqualTypeOf<[] | readonly [] | undefined>();
  });

  it('a workflow named by a string takes any args and returns unknown', () => {
    expectTypeOf<WorkflowStartOptions['args']>().toEqualTypeOf<unknown[] | readonly unknown[] | undefined>();
    expectTypeOf<ReturnType<WorkflowHandle['result']>>().toEqualTypeOf<Promise<unknown>>();
  });
});

/** Compile-time checks: this function is type-checked by `tsc`, never called. */
async function typedCalls(client: WorkflowClient, args: unknown[]): Promise<unknown[]> {
  const greeting: string = await client.execute(greet, { taskQueue: 'q', workflowId: 'a', args: ['Ada'] });
  // @ts-expect-error the argument has the wrong type
  await client.execute(greet, { taskQueue: 'q', workflowId: 'b', args: [1] });
  // @ts-expect-error greet requires its argument
  await client.execute(greet, { taskQueue: 'q', workflowId: 'c' });
  const n: number = await client.execute(tick, { taskQueue: 'q', workflowId: 'd' });
  const byName = await client.start('greet', { taskQueue: 'q', workflowId: 'e', args });
  const handle = client.getHandle<typeof greet>('a');
  const approve = defineSignal<[approver: string]>('approve');
  await handle.signal(approve, 'alice');
  // @ts-expect-error the signal takes a string
  await handle.signal(approve, 42);
  const status = defineQuery<{ stage: string }, [verbose: boolean]>('status');
  const { stage }: { stage: string } = await handle.query(status, true);
  // @ts-expect-error the query takes a boolean
  await handle.query(status, 'yes');
  return [greeting, n, byName.firstExecutionRunId, stage];
}

describe('typed calls', () => {
  it('type-check (see typedCalls: @ts-expect-error lines fail the build if the types loosen)', () => {
    expectTypeOf(typedCalls).returns.resolves.toEqualTypeOf<unknown[]>();
  });
});
