/**
 * The conflict token of a deployment's routing (V2): its revision, as the decimal text in bytes. Describe
 * hands it out; a Set* call given a token fails if the revision moved since.
 */
import { invalidArgument } from '../errors.js';

export function conflictTokenOf(revision: number): Uint8Array {
  return Buffer.from(String(revision), 'utf8');
}

/** The revision a token stands for; undefined for an empty token (no check wanted). */
export function revisionOfToken(token: Uint8Array): number | undefined {
  if (token.length === 0) return undefined;
  const revision = Number(Buffer.from(token).toString('utf8'));
  if (!Number.isSafeInteger(revision) || revision < 0) {
    throw invalidArgument(
      'conflict_token is malformed; pass the token of strata worker deployment describe unchanged',
    );
  }
  return revision;
}
