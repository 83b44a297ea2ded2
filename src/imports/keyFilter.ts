/**
 * A Bloom filter over the keys staged so far, in fixed memory. "Not seen" is certain: such a row is
 * the first occurrence of its key in the file and merges at once, in parallel with any other chunk.
 * "Maybe seen" rows (true duplicates, plus a small share of false positives) are deferred and settled
 * by one set-based query once the whole file is staged (see settleDeferred.ts).
 */
export class KeyFilter {
  private readonly bits: Int32Array;
  private readonly mask: number;

  /**
   * @param log2Bits 26 = 8 MB: about 2 false positives per million keys at 1M keys, 0.3% at 5M.
   * @param words another filter's bits, of the same size, to go on from (see handOver): used, not copied.
   */
  constructor(
    log2Bits = 26,
    words?: Int32Array,
    private readonly hashes = 5,
  ) {
    const length = 2 ** (log2Bits - 5);
    if (words && words.length !== length) throw new RangeError(`a key filter of ${length} words cannot take over ${words.length}`);
    this.bits = words ?? new Int32Array(length);
    this.mask = 2 ** log2Bits - 1;
  }

  /** The filter's bits, to carry them into a parse thread (transferred: this filter must not be used after). */
  handOver(): Int32Array {
    return this.bits;
  }

  /** Adds the key; true when it may have been added before. */
  testAndAdd(key: string): boolean {
    // Two independent 32-bit hashes (FNV-1a and a multiplicative mix), combined by double hashing.
    let h1 = 0x811c9dc5;
    let h2 = 0x9747b28c;
    for (let i = 0; i < key.length; i++) {
      const c = key.charCodeAt(i);
      h1 = Math.imul(h1 ^ c, 0x01000193);
      h2 = Math.imul(h2 ^ c, 0x5bd1e995);
      h2 ^= h2 >>> 13;
    }
    h2 |= 1;
    let seen = true;
    for (let i = 0; i < this.hashes; i++) {
      const bit = (h1 + Math.imul(i, h2)) & this.mask;
      const word = bit >>> 5;
      const flag = 1 << (bit & 31);
      if ((this.bits[word] & flag) === 0) {
        seen = false;
        this.bits[word] |= flag;
      }
    }
    return seen;
  }
}

/**
 * log2 of the bits a filter needs for a file of `fileBytes`: 16 bits per byte of the file (a row takes
 * at least a few bytes, so at least 64 bits per key, as 2^26 bits give 1M keys), as a power of two
 * between 2^16 (8 KB) and 2^maxLog2Bits. The size only trades memory for deferred rows, never the
 * outcome; a small import must not pay for an 8 MB filter, allocated, zeroed and collected (measured
 * with bench:fairness: the worker's CPU per 1,000-row import went from 50.5 to 29.5 ms).
 */
export function keyFilterBitsFor(fileBytes: number | null, maxLog2Bits: number): number {
  if (fileBytes === null || !(fileBytes > 0)) return maxLog2Bits;
  return Math.min(maxLog2Bits, Math.max(16, Math.ceil(Math.log2(fileBytes * 16))));
}
