/** `order` with its memo upsert moved before its search attribute upsert: a command order change (R2). */
import { condition, defineSignal, setHandler, upsertMemo, upsertSearchAttributes } from 'strata/workflow';
import { itemsKey, stageKey } from './workflows.js';

export const ship = defineSignal('ship');

export async function order(): Promise<void> {
  upsertMemo({ note: 'packed by robot', requestedBy: null });
  upsertSearchAttributes([
    { key: stageKey, value: 'packed' },
    { key: itemsKey, value: 3 },
  ]);
  let shipped = false;
  setHandler(ship, () => {
    shipped = true;
  });
  await condition(() => shipped);
  upsertSearchAttributes({ OrderStage: ['shipped'], Tags: [] });
}
