/**
 * Failures as people read them: each link of the cause chain on its own line, with its type.
 */

/** Describes one error without its causes, e.g. `ApplicationFailure(PaymentDeclined): card expired`. */
export function describeError(err: Error): string {
  const type = 'type' in err && typeof err.type === 'string' && err.type !== 'Error' ? `(${err.type})` : '';
  const activity =
    'activityType' in err && typeof err.activityType === 'string' && err.activityType !== ''
      ? ` [activity ${err.activityType}]`
      : '';
  return `${err.name}${type}${activity}: ${err.message}`;
}

/** The error and its causes, outermost first. */
export function errorChain(err: Error): Error[] {
  const chain: Error[] = [];
  let current: unknown = err;
  while (current instanceof Error && chain.length < 20) {
    chain.push(current);
    current = current.cause;
  }
  return chain;
}

/** Multi-line form: the error, then `  caused by: ...` per cause. */
export function formatFailureChain(err: Error): string {
  return errorChain(err)
    .map((link, i) => (i === 0 ? describeError(link) : `${'  '.repeat(i)}caused by: ${describeError(link)}`))
    .join('\n');
}

/** One-line form for table cells: `ActivityFailure: ... <- ApplicationFailure: ...`. */
export function formatFailureInline(err: Error): string {
  return errorChain(err).map(describeError).join(' <- ');
}

/** JSON form for `-o json`: the chain as an array of `{ name, type?, message }`. */
export function failureToJson(err: Error): { name: string; type?: string; message: string }[] {
  return errorChain(err).map((link) => ({
    name: link.name,
    ...('type' in link && typeof link.type === 'string' ? { type: link.type } : {}),
    message: link.message,
  }));
}
