/** Workflows that set search attributes and memo from their code, for the visibility tests. */
import {
  condition,
  continueAsNew,
  defineQuery,
  defineSearchAttributeKey,
  defineSignal,
  deprecatePatch,
  patched,
  SearchAttributeType,
  setHandler,
  upsertMemo,
  upsertSearchAttributes,
  workflowInfo,
} from 'strata/workflow';

export const customerKey = defineSearchAttributeKey('CustomerId', SearchAttributeType.KEYWORD);
export const stageKey = defineSearchAttributeKey('OrderStage', SearchAttributeType.KEYWORD);
export const itemsKey = defineSearchAttributeKey('ItemCount', SearchAttributeType.INT);
export const tagsKey = defineSearchAttributeKey('Tags', SearchAttributeType.KEYWORD_LIST);

export const ship = defineSignal('ship');
/** What `workflowInfo()` shows of search attributes and memo right now. */
export const infoQuery = defineQuery<{
  stage?: string;
  customer?: string;
  tags?: string[];
  memo: Record<string, unknown>;
}>('info');

/** Packs (stage "packed", a memo note), waits for `ship`, then ships and drops its tags. */
export async function order(): Promise<{
  stageAtStart?: string;
  stageAtEnd?: string;
  memo: Record<string, unknown>;
}> {
  const stageAtStart = workflowInfo().typedSearchAttributes.get(stageKey);
  setHandler(infoQuery, () => {
    const info = workflowInfo();
    return {
      stage: info.typedSearchAttributes.get(stageKey),
      customer: info.typedSearchAttributes.get(customerKey),
      tags: info.typedSearchAttributes.get(tagsKey),
      memo: info.memo,
    };
  });
  upsertSearchAttributes([
    { key: stageKey, value: 'packed' },
    { key: itemsKey, value: 3 },
  ]);
  upsertMemo({ note: 'packed by robot', requestedBy: null });
  let shipped = false;
  setHandler(ship, () => {
    shipped = true;
  });
  await condition(() => shipped);
  // Temporal's untyped form: values are arrays, [] removes.
  upsertSearchAttributes({ OrderStage: ['shipped'], Tags: [] });
  return {
    stageAtStart,
    stageAtEnd: workflowInfo().typedSearchAttributes.get(stageKey),
    memo: workflowInfo().memo,
  };
}

/** Upserts an attribute nobody registered: its workflow task fails until it is registered. */
export async function unregisteredUpsert(): Promise<string> {
  upsertSearchAttributes([{ key: defineSearchAttributeKey('Priority', SearchAttributeType.INT), value: 1 }]);
  return 'done';
}

export const release = defineSignal('release');

/** Records the patch markers `fix-tax` and (deprecated) `old-rounding`, then waits for `release`. */
export async function patchedOrder(): Promise<string> {
  const tax = patched('fix-tax') ? 'new tax' : 'old tax';
  deprecatePatch('old-rounding');
  let released = false;
  setHandler(release, () => {
    released = true;
  });
  await condition(() => released);
  // Asked again: the same answer and no second marker.
  return patched('fix-tax') ? tax : 'changed';
}

/** Sets its stage and memo, continues as new once; the second run reports what it inherited. */
export async function continuing(round: number): Promise<{ stage?: string; memo: Record<string, unknown> }> {
  if (round === 1) {
    upsertSearchAttributes([{ key: stageKey, value: 'round-1' }]);
    upsertMemo({ carried: true });
    await continueAsNew<typeof continuing>(2);
  }
  const info = workflowInfo();
  return { stage: info.typedSearchAttributes.get(stageKey), memo: info.memo };
}
