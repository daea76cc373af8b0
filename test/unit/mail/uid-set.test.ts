import { describe, expect, it } from 'vitest';
import { chunk, compressUidSet, MAX_UID_SET_LENGTH } from '../../../relay/mail/imap/uid-set.js';

/** Expands "1:3,7" back into [1, 2, 3, 7]. */
function expand(set: string): number[] {
  return set.split(',').flatMap((item) => {
    const [a, b = a] = item.split(':').map(Number) as [number, number?];
    return Array.from({ length: b - a + 1 }, (_, i) => a + i);
  });
}

describe('compressUidSet', () => {
  it('gives no set for no UIDs', () => {
    expect(compressUidSet([])).toEqual([]);
  });

  it('joins consecutive UIDs into ranges', () => {
    expect(compressUidSet([1, 2, 3, 5, 7, 8])).toEqual(['1:3,5,7:8']);
    expect(compressUidSet([42])).toEqual(['42']);
    expect(compressUidSet(Array.from({ length: 500 }, (_, i) => i + 1).concat([502, 510, 511, 512]))).toEqual(
      ['1:500,502,510:512'],
    );
  });

  it('sorts and de-duplicates', () => {
    expect(compressUidSet([9, 3, 2, 3, 1, 9])).toEqual(['1:3,9']);
  });

  it('accepts the largest UID and refuses what is not a UID', () => {
    expect(compressUidSet([4294967295])).toEqual(['4294967295']);
    for (const bad of [0, -1, 1.5, Number.NaN, 4294967296]) {
      expect(() => compressUidSet([1, bad])).toThrow(RangeError);
    }
  });

  it('splits long sets below the length limit without losing or repeating a UID', () => {
    // Every other UID: nothing to compress, so 20,000 UIDs take about 110 KB.
    const uids = Array.from({ length: 20_000 }, (_, i) => 1_000_000 + 2 * i);
    const sets = compressUidSet(uids);
    expect(sets.length).toBeGreaterThan(1);
    for (const set of sets) {
      expect(set.length).toBeLessThanOrEqual(MAX_UID_SET_LENGTH);
      expect(set).toMatch(/^\d+(:\d+)?(,\d+(:\d+)?)*$/);
    }
    expect(sets.flatMap(expand)).toEqual(uids);
  });

  it('keeps a long consecutive run in one short set', () => {
    const uids = Array.from({ length: 20_000 }, (_, i) => i + 1);
    expect(compressUidSet(uids)).toEqual(['1:20000']);
  });

  it('honours a smaller limit', () => {
    expect(compressUidSet([1, 3, 5, 7, 9, 11], 5)).toEqual(['1,3,5', '7,9', '11']);
  });
});

describe('chunk', () => {
  it('splits in order into groups of at most the size', () => {
    expect(chunk([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]]);
    expect(chunk([], 3)).toEqual([]);
  });
});
