/** mulberry32: a tiny seeded PRNG, so a failing generated case can be replayed from its seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `bytes` cut at up to `maxCuts` random places (empty pieces possible), in order. */
export function randomChunks(bytes: Buffer, random: () => number, maxCuts = 8): Buffer[] {
  const cuts = Array.from({ length: Math.floor(random() * (maxCuts + 1)) }, () => Math.floor(random() * (bytes.length + 1))).sort((x, y) => x - y);
  return [0, ...cuts].map((from, i) => bytes.subarray(from, i < cuts.length ? cuts[i] : bytes.length));
}

/** One chunk per byte: the harshest boundaries a stream can have. */
export function oneBytePerChunk(bytes: Buffer): Buffer[] {
  return Array.from(bytes, (byte) => Buffer.from([byte]));
}
