import { describe, expect, it } from 'vitest';
import { createRandom, uuid4From } from './random.js';

describe('per-run random generator', () => {
  it('R6: the same seed gives the same sequence; another seed another one', () => {
    const draw = (seed: number) => {
      const random = createRandom(seed);
      return [random(), random(), uuid4From(random)];
    };
    expect(draw(42)).toEqual(draw(42));
    expect(draw(42)).not.toEqual(draw(43));
    for (const value of draw(1).slice(0, 2)) expect(value).toBeGreaterThanOrEqual(0);
  });
});
