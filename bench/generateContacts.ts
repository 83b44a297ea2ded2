/**
 * Writes a realistic contacts CSV for benchmarks: about 95 bytes a row, six columns,
 * UTF-8 names, and quoted fields (commas, escaped quotes) in about half of the rows.
 * Deterministic for a given seed, so two runs parse the same bytes. Emails are unique:
 * the row index is part of each.
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';

export const CONTACTS_HEADER = ['email', 'first_name', 'last_name', 'phone', 'company', 'tags'] as const;

// [as written, as it appears in an email address]
const FIRST_NAMES = [
  ['Zoë', 'zoe'],
  ['Łukasz', 'lukasz'],
  ['José', 'jose'],
  ['Ann', 'ann'],
  ['Bob', 'bob'],
  ['François', 'francois'],
  ['Søren', 'soren'],
  ['Mei', 'mei'],
  ['Aisha', 'aisha'],
  ['Olivia', 'olivia'],
  ['Liam', 'liam'],
  ['Chloé', 'chloe'],
  ['Jürgen', 'jurgen'],
  ['Priya', 'priya'],
  ['Siobhán', 'siobhan'],
] as const;
const LAST_NAMES = [
  ['Smith', 'smith'],
  ['Müller', 'muller'],
  ['García', 'garcia'],
  ['Nowak', 'nowak'],
  ["O'Brien", 'obrien'],
  ['Kowalski', 'kowalski'],
  ['Nguyen', 'nguyen'],
  ['Smith, Jr.', 'smith'],
  ['Dubois', 'dubois'],
  ['Rossi', 'rossi'],
  ['Tanaka', 'tanaka'],
  ['Brown', 'brown'],
] as const;
const DOMAINS = ['example.com', 'example.org', 'mail.example.net', 'corp.example'] as const;
const COMPANIES = [
  'Acme Corporation',
  'Initech, Inc.',
  'Globex International',
  'Umbrella "Bio" Labs',
  'Stark Industries',
  'Wayne Enterprises, LLC',
  '',
  'Société Générale',
  'Hooli XYZ',
  'Massive Dynamic',
  'Cyberdyne Systems',
] as const;
const TAGS = ['', 'vip', 'vip,beta', 'newsletter', 'beta,trial,churn-risk', 'partner', 'customer'] as const;

const WRITE_CHUNK_CHARS = 64 * 1024;

export async function generateContactsCsv(
  path: string,
  rows: number,
  /** firstIndex: the number in the first row's email (files with different ranges never share an email). */
  opts: { seed?: number; firstIndex?: number } = {},
): Promise<{ bytes: number }> {
  const random = seededRandom(opts.seed ?? 1);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const digits = (count: number): string => String(Math.floor(random() * 10 ** count)).padStart(count, '0');

  const out = createWriteStream(path);
  let bytes = 0;
  let chunk = CONTACTS_HEADER.join(',') + '\n';
  const first = opts.firstIndex ?? 0;
  for (let i = first; i < first + rows; i++) {
    const [first, firstAscii] = pick(FIRST_NAMES);
    const [last, lastAscii] = pick(LAST_NAMES);
    const email = `${random() < 0.7 ? `${firstAscii}.${lastAscii}` : `${firstAscii[0]}${lastAscii}`}${i}@${pick(DOMAINS)}`;
    const r = random();
    const phone = r < 0.5 ? `+1 555-${digits(3)}-${digits(4)}` : r < 0.8 ? `+44 20 7946 ${digits(4)}` : '';
    chunk += `${email},${csvField(first)},${csvField(last)},${phone},${csvField(pick(COMPANIES))},${csvField(pick(TAGS))}\n`;
    if (chunk.length >= WRITE_CHUNK_CHARS) {
      bytes += await write(out, chunk);
      chunk = '';
    }
  }
  bytes += await write(out, chunk);
  out.end();
  await once(out, 'finish');
  return { bytes };
}

async function write(out: NodeJS.WritableStream, text: string): Promise<number> {
  const buffer = Buffer.from(text);
  if (!out.write(buffer)) await once(out, 'drain');
  return buffer.length;
}

function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

// mulberry32: small, fast, and good enough to vary benchmark data.
function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
