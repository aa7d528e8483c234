import { randomBytes, randomFillSync } from 'node:crypto';

// Random bytes are drawn in blocks: one getrandom call per 256 run ids instead of one each.
const pool = Buffer.alloc(16 * 256);
let poolOffset = pool.length;

/**
 * A new run id: a UUID version 7 (RFC 9562), the millisecond time followed by 74 random bits. Ids of
 * runs started together sort together, so every table keyed by run id (history, tasks, timers) gets
 * its inserts at the right edge of its index and a commit touches a few hot pages instead of one
 * random page per run; with random (v4) ids each commit wrote several times more pages.
 */
export function newRunId(nowMs: number): string {
  if (poolOffset === pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const bytes = pool.subarray(poolOffset, poolOffset + 16);
  poolOffset += 16;
  bytes.writeUIntBE(Math.max(0, Math.floor(nowMs)), 0, 6);
  bytes[6] = 0x70 | ((bytes[6] ?? 0) & 0x0f);
  bytes[8] = 0x80 | ((bytes[8] ?? 0) & 0x3f);
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** A random seed for a run's deterministic generator that survives JSON and JS numbers exactly (53 bits). */
export function randomSeed(): number {
  return Number(randomBytes(8).readBigUInt64BE() >> 11n);
}
