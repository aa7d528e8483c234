/** Workflows with update handlers, as a user writes them. */
import {
  ApplicationFailure,
  allHandlersFinished,
  condition,
  currentUpdateInfo,
  defineSignal,
  defineUpdate,
  HandlerUnfinishedPolicy,
  proxyActivities,
  setDefaultUpdateHandler,
  setHandler,
  sleep,
  type UpdateInfo,
} from 'strata/workflow';
import type * as activities from './activities.js';

const { reserveStock } = proxyActivities<typeof activities>({ startToCloseTimeout: '1 minute' });

export const addItem = defineUpdate<number, [item: string]>('addItem');
export const failingUpdate = defineUpdate<never, [reason: string]>('failingUpdate');
export const checkout = defineSignal('checkout');

/** A cart: items come in by update (an empty name is rejected by the validator), a signal checks it out. */
export async function cart(): Promise<string[]> {
  const items: string[] = [];
  let checkedOut = false;
  setHandler(
    addItem,
    (item) => {
      items.push(item);
      return items.length;
    },
    {
      validator: (item) => {
        if (item === '') throw ApplicationFailure.nonRetryable('an item needs a name', 'EmptyItem');
      },
    },
  );
  setHandler(failingUpdate, (reason) => {
    throw ApplicationFailure.nonRetryable(reason, 'OutOfStock');
  });
  setHandler(checkout, () => {
    checkedOut = true;
  });
  await condition(() => checkedOut);
  return items;
}

export const reserve = defineUpdate<string, [sku: string]>('reserve');
export const close = defineSignal('close');

/**
 * Each update waits an hour, then reserves stock with an activity. Once asked to close, the workflow waits for
 * the handlers still running (`allHandlersFinished`) before it returns, so their callers get their results.
 */
export async function reservations(): Promise<string[]> {
  const reserved: string[] = [];
  let closing = false;
  setHandler(reserve, async (sku) => {
    await sleep('1 hour');
    const id = await reserveStock(sku);
    reserved.push(id);
    return id;
  });
  setHandler(close, () => {
    closing = true;
  });
  await condition(() => closing);
  await condition(allHandlersFinished);
  return reserved;
}

/** Returns as soon as it is asked to close, whatever handler still runs (Temporal warns about those). */
export async function hastyReservations(abandonQuietly: boolean): Promise<string> {
  let closing = false;
  setHandler(
    reserve,
    async (sku) => {
      await sleep('1 hour');
      return reserveStock(sku);
    },
    {
      unfinishedPolicy: abandonQuietly
        ? HandlerUnfinishedPolicy.ABANDON
        : HandlerUnfinishedPolicy.WARN_AND_ABANDON,
    },
  );
  setHandler(close, () => {
    closing = true;
  });
  await condition(() => closing);
  return 'closed';
}

/** Answers any update by name, and reports how many it answered. */
export async function catchAll(): Promise<number> {
  let answered = 0;
  let closing = false;
  setDefaultUpdateHandler((name, ...args) => {
    answered += 1;
    return `${name}(${args.map((a) => JSON.stringify(a)).join(', ')})`;
  });
  setHandler(close, () => {
    closing = true;
  });
  await condition(() => closing);
  return answered;
}

/**
 * One reservation by update, then it returns. The validator counts its runs in workflow memory (a test
 * probe: real validators must not change state), so a test can see it does not run again in replay.
 */
export async function durableReservation(): Promise<{ id: string; validatorRuns: number }> {
  let id: string | undefined;
  let validatorRuns = 0;
  setHandler(
    reserve,
    async (sku) => {
      await sleep('1 hour');
      id = await reserveStock(sku);
      return id;
    },
    {
      validator: () => {
        validatorRuns += 1;
      },
    },
  );
  await condition(() => id !== undefined);
  return { id: id!, validatorRuns };
}

export const whoAmI = defineUpdate<UpdateInfo | undefined, [sleepMs: number]>('whoAmI');

/** Each handler reads the update it runs for after an await; the main function, outside any, reads none. */
export async function introspective(): Promise<UpdateInfo | undefined> {
  let closing = false;
  setHandler(
    whoAmI,
    async (sleepMs) => {
      await sleep(sleepMs);
      return currentUpdateInfo();
    },
    {
      validator: () => {
        if (currentUpdateInfo()?.name !== 'whoAmI') throw new Error('the validator does not know its update');
      },
    },
  );
  setHandler(close, () => {
    closing = true;
  });
  await condition(() => closing);
  await condition(allHandlersFinished);
  return currentUpdateInfo();
}
