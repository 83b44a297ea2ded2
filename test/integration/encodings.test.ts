import http from 'node:http';
import iconv from 'iconv-lite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCsv } from '../helpers/buildCsv.ts';
import { contactsOf } from '../helpers/contactsTable.ts';
import { allJobIds, allRowErrors, gql, uploadImport, waitForJob } from '../helpers/graphqlClient.ts';
import { expectExactTotals } from '../helpers/jobAssertions.ts';
import { storedFiles } from '../helpers/storedFiles.ts';
import { startTestApp, type TestApp } from '../helpers/testApp.ts';

// Every non-ASCII character here exists in Windows-1252, so each encoding below can carry the file.
const HEADER = ['email', 'first_name', 'last_name', 'company'];
const PEOPLE = [
  ['muller@example.com', 'Jürgen', 'Müller', 'Bäckerei Straße'],
  ['nunez@example.com', 'Ñúñez', 'Zoë', 'Café Olé'],
  ['euro@example.com', 'Renée', 'Œuvre', '€uro “Quotes” — Ltd…'],
  ['plain@example.com', 'Ann', 'Lee', 'Acme'],
];
// Excel writes CRLF.
const TEXT = buildCsv([HEADER, ...PEOPLE], '\r\n');

/** The file as a real encoder (iconv-lite, not the code under test) writes it. */
function encode(text: string, encoding: 'utf-8' | 'utf-16le' | 'utf-16be' | 'windows-1252', addBOM = false): Buffer {
  return iconv.encode(text, encoding, { addBOM });
}

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t?.stop());

async function jobEncoding(token: string, id: string): Promise<string | null> {
  const r = await gql(t.url, token, `query($id: ID!) { job(id: $id) { encoding } }`, { id });
  if (r.errors) throw new Error(JSON.stringify(r.errors));
  return r.data.job.encoding;
}

/** Uploads, checks the encoding the upload reported, and waits for the job to end. */
async function importFile(workspace: string, file: Buffer, input: Record<string, unknown> = {}): Promise<{ token: string; started: any; job: any }> {
  const token = await t.token(workspace);
  const r = await uploadImport(t.url, token, file, input);
  if (r.errors) throw new Error(`startImport refused: ${JSON.stringify(r.errors)}`);
  const started = r.data.startImport;
  return { token, started, job: await waitForJob(t.url, token, started.id) };
}

async function expectStoredAsSource(workspace: string, people: string[][] = PEOPLE): Promise<void> {
  const stored = await contactsOf(t.databaseUrl, workspace);
  expect(stored.size).toBe(people.length);
  for (const [email, first, last, company] of people) {
    expect(stored.get(email!), email).toMatchObject({ first_name: first, last_name: last, company });
  }
}

describe('files in every encoding people send', () => {
  const cases = [
    { name: 'UTF-8 without a byte order mark', file: () => encode(TEXT, 'utf-8'), encoding: 'UTF-8' },
    { name: 'UTF-8 with a byte order mark', file: () => encode(TEXT, 'utf-8', true), encoding: 'UTF-8' },
    { name: 'UTF-16LE with a byte order mark', file: () => encode(TEXT, 'utf-16le', true), encoding: 'UTF-16LE' },
    { name: 'UTF-16BE with a byte order mark', file: () => encode(TEXT, 'utf-16be', true), encoding: 'UTF-16BE' },
    { name: 'Windows-1252', file: () => encode(TEXT, 'windows-1252'), encoding: 'WINDOWS-1252' },
  ];
  for (const c of cases) {
    it(`should import a ${c.name} file with every letter as written, and report ${c.encoding} on the job`, async () => {
      const workspace = `enc-${c.name.replace(/\W+/g, '-')}`;
      const { token, started, job } = await importFile(workspace, c.file());
      expect(started.encoding, 'known as soon as the upload is stored').toBe(c.encoding);
      expect(job.status, job.failureReason).toBe('COMPLETED');
      expectExactTotals(job, PEOPLE.length);
      expect(job.succeededRows).toBe(PEOPLE.length);
      expect(await jobEncoding(token, job.id)).toBe(c.encoding);
      await expectStoredAsSource(workspace);
    });
  }

  it('should read a file as Windows-1252 when its only non-UTF-8 byte comes after a megabyte of ASCII', async () => {
    const ascii = Array.from({ length: 25_000 }, (_, i) => [`a${i}@example.com`, 'Ann', 'Lee', 'Acme Corporation']);
    const last = ['jose@example.com', 'José', 'Müller', '€ 5'];
    const file = encode(buildCsv([HEADER, ...ascii, last]), 'windows-1252');
    expect(file.indexOf(0xe9)).toBeGreaterThan(1_000_000); // the é is past the first megabyte
    const { token, job } = await importFile('enc-deep', file);
    expect(job.status, job.failureReason).toBe('COMPLETED');
    expect(job.succeededRows).toBe(ascii.length + 1);
    expect(await jobEncoding(token, job.id)).toBe('WINDOWS-1252');
    const stored = await contactsOf(t.databaseUrl, 'enc-deep');
    expect(stored.get('jose@example.com')).toMatchObject({ first_name: 'José', last_name: 'Müller', company: '€ 5' });
    expect(stored.get('a24999@example.com')).toMatchObject({ first_name: 'Ann', company: 'Acme Corporation' });
  });
});

describe('forcing an encoding', () => {
  it('should read the file in the forced encoding even when detection would choose another', async () => {
    // Valid UTF-8, read as Windows-1252 on the caller's word: each UTF-8 byte becomes a letter.
    const { started, job } = await importFile('force-1252', encode(TEXT, 'utf-8'), { encoding: 'windows-1252' });
    expect(started.encoding).toBe('WINDOWS-1252');
    expect(job.status, job.failureReason).toBe('COMPLETED');
    const stored = await contactsOf(t.databaseUrl, 'force-1252');
    expect(stored.get('muller@example.com')!.last_name).toBe(iconv.decode(Buffer.from('Müller'), 'windows-1252'));
    expect(stored.get('muller@example.com')!.last_name).toBe('MÃ¼ller');
  });

  it('should report INVALID_ENCODING on the cells of a Windows-1252 file forced to be read as UTF-8, and import the rest', async () => {
    const { token, started, job } = await importFile('force-utf8', encode(TEXT, 'windows-1252'), { encoding: 'UTF-8' });
    expect(started.encoding).toBe('UTF-8');
    expect(job.status, job.failureReason).toBe('COMPLETED');
    expectExactTotals(job, PEOPLE.length);
    const errors = await allRowErrors(t.url, token, job.id);
    // Row errors come in row order, then by column name.
    expect(errors.map((e) => [e.row, e.column, e.code])).toEqual([
      [2, 'company', 'INVALID_ENCODING'],
      [2, 'first_name', 'INVALID_ENCODING'],
      [2, 'last_name', 'INVALID_ENCODING'],
      [3, 'company', 'INVALID_ENCODING'],
      [3, 'first_name', 'INVALID_ENCODING'],
      [3, 'last_name', 'INVALID_ENCODING'],
      [4, 'company', 'INVALID_ENCODING'],
      [4, 'first_name', 'INVALID_ENCODING'],
      [4, 'last_name', 'INVALID_ENCODING'],
    ]);
    expect(errors[0].message).toMatch(/not valid UTF-8/);
    await expectStoredAsSource('force-utf8', [PEOPLE[3]!]);
  });

  it('should refuse an encoding it cannot read with BAD_USER_INPUT naming the ones it can, and store nothing', async () => {
    const token = await t.token('force-unknown');
    const filesBefore = storedFiles(t.app.services.config.storageDir);
    const r = await uploadImport(t.url, token, encode(TEXT, 'utf-8'), { encoding: 'EBCDIC' });
    expect(r.data?.startImport ?? null).toBeNull();
    expect(r.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(r.errors?.[0].extensions?.reason).toBe('UNSUPPORTED_ENCODING');
    expect(r.errors?.[0].message).toContain('EBCDIC');
    expect(r.errors?.[0].message).toContain('UTF-16LE');
    expect(await allJobIds(t.url, token)).toEqual([]);
    expect(storedFiles(t.app.services.config.storageDir)).toEqual(filesBefore);
  });
});

describe('detecting while the upload streams to storage', () => {
  it('should leave no job and no partial file when the client goes away in the middle of the upload', async () => {
    const token = await t.token('upload-aborted');
    const dir = t.app.services.config.storageDir;
    const filesBefore = storedFiles(dir);
    const boundary = 'bulkport-test-boundary';
    const operations = JSON.stringify({
      query: 'mutation($input: StartImportInput!) { startImport(input: $input) { id } }',
      variables: { input: { entity: 'CONTACTS', file: null } },
    });
    const start = [
      `--${boundary}\r\nContent-Disposition: form-data; name="operations"\r\n\r\n${operations}\r\n`,
      `--${boundary}\r\nContent-Disposition: form-data; name="map"\r\n\r\n{"0":["variables.input.file"]}\r\n`,
      `--${boundary}\r\nContent-Disposition: form-data; name="0"; filename="big.csv"\r\nContent-Type: text/csv\r\n\r\n`,
    ].join('');
    const firstHalf = encode(buildCsv([HEADER, ...Array.from({ length: 20_000 }, (_, i) => [`p${i}@example.com`, 'Zoë', 'Müller', 'Acme'])]), 'windows-1252');
    const req = http.request(t.url, {
      method: 'POST',
      headers: {
        'content-type': `multipart/form-data; boundary=${boundary}`,
        'content-length': String(Buffer.byteLength(start) + 2 * firstHalf.length), // promises twice what it sends
        'apollo-require-preflight': 'true',
        authorization: `Bearer ${token}`,
      },
    });
    req.on('error', () => undefined); // we are the ones hanging up
    req.write(start);
    req.write(firstHalf);
    // Hang up once the server is storing the first half.
    const storing = Date.now() + 10_000;
    while (!storedFiles(dir).some((f) => f.endsWith('.partial')) && Date.now() < storing) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(storedFiles(dir).filter((f) => f.endsWith('.partial'))).toHaveLength(1);
    req.destroy();

    // The partial upload is removed once the aborted stream's error reaches the store.
    const deadline = Date.now() + 10_000;
    while (storedFiles(dir).length !== filesBefore.length && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    expect(storedFiles(dir)).toEqual(filesBefore);
    expect(await allJobIds(t.url, token)).toEqual([]);
  });
});

describe('files that are text in no encoding', () => {
  it('should report bytes that Windows-1252 leaves undefined as INVALID_ENCODING and import the other rows as written', async () => {
    // Not UTF-8 (so read as Windows-1252), and 0x81 and 0x9D are not characters there either.
    const file = Buffer.concat([
      encode(buildCsv([HEADER, PEOPLE[0]!]), 'windows-1252'),
      Buffer.from('bad@example.com,Bo'),
      Buffer.from([0x81]),
      Buffer.from('b,Ray,Ac'),
      Buffer.from([0x9d]),
      Buffer.from('me\n'),
      encode(buildCsv([PEOPLE[1]!]), 'windows-1252'),
    ]);
    const { token, started, job } = await importFile('no-encoding', file);
    expect(started.encoding).toBe('WINDOWS-1252');
    expect(job.status, job.failureReason).toBe('COMPLETED');
    expectExactTotals(job, 3);
    const errors = await allRowErrors(t.url, token, job.id);
    expect(errors.map((e) => [e.row, e.column, e.code])).toEqual([
      [3, 'company', 'INVALID_ENCODING'],
      [3, 'first_name', 'INVALID_ENCODING'],
    ]);
    expect(errors[0].message).toMatch(/not text in WINDOWS-1252/);
    expect(errors[0].message).toMatch(/CSV UTF-8/);
    await expectStoredAsSource('no-encoding', [PEOPLE[0]!, PEOPLE[1]!]);
  });

  it('should report an unpaired surrogate in a UTF-16 file as INVALID_ENCODING', async () => {
    const file = Buffer.concat([
      encode(buildCsv([HEADER, PEOPLE[1]!]), 'utf-16le', true),
      encode('lone@example.com,A', 'utf-16le'),
      Buffer.from([0x3d, 0xd8]), // a high surrogate with no low one after it
      encode('b,Lee,Acme\r\n', 'utf-16le'),
    ]);
    const { token, job } = await importFile('utf16-broken', file);
    expect(job.status, job.failureReason).toBe('COMPLETED');
    const errors = await allRowErrors(t.url, token, job.id);
    expect(errors.map((e) => [e.row, e.column, e.code])).toEqual([[3, 'first_name', 'INVALID_ENCODING']]);
    expect(errors[0].message).toMatch(/UTF-16LE/);
    await expectStoredAsSource('utf16-broken', [PEOPLE[1]!]);
  });
});
