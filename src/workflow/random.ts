/**
 * The per-run deterministic random generator behind `Math.random()` and `uuid4()`: the same seed (from
 * WorkflowExecutionStarted) gives the same sequence on every replay.
 */

/** mulberry32: tiny, fast and good enough for non-cryptographic workflow randomness. */
export function createRandom(seed: number): () => number {
  let state = (Math.floor(Math.abs(seed)) % 4294967296) >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const HEX: string[] = Array.from({ length: 256 }, (_, i) => (i + 256).toString(16).slice(1));

/** An RFC 4122 version 4 UUID drawn from `random`. */
export function uuid4From(random: () => number): string {
  const bytes = new Array<number>(16);
  for (let i = 0; i < 16; i++) bytes[i] = Math.floor(random() * 256);
  bytes[6] = (bytes[6]! & 0x0f) | 0x40;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const h = bytes.map((b) => HEX[b]!);
  return `${h.slice(0, 4).join('')}-${h.slice(4, 6).join('')}-${h.slice(6, 8).join('')}-${h.slice(8, 10).join('')}-${h.slice(10).join('')}`;
}
