import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCsv } from '../helpers/buildCsv.ts';
import { contactsOf } from '../helpers/contactsTable.ts';
import { allJobIds, fetchJob, gql, importAndWait, uploadImport } from '../helpers/graphqlClient.ts';
import { startTestApp, type TestApp } from '../helpers/testApp.ts';

/** Issue 7's saved mappings: saveMapping, mappings(entity), startImport's mappingName; support reads only. */
let t: TestApp;
let member: string;
let other: string;
let support: string;
beforeAll(async () => {
  t = await startTestApp();
  member = await t.token('saver');
  other = await t.token('elsewhere');
  support = await t.token('helpdesk', 'support');
});
afterAll(() => t?.stop());

const SAVED = 'id name entity mapping { column field } createdAt updatedAt';
const SAVE = `mutation($input: SaveMappingInput!) { saveMapping(input: $input) { ${SAVED} } }`;
const LIST = `query($entity: Entity) { mappings(entity: $entity) { ${SAVED} } }`;

const KUNDEN = [
  { column: 'E-mail', field: 'email' },
  { column: 'Vorname', field: 'first_name' },
  { column: 'Nachname', field: 'last_name' },
  { column: 'Notiz', field: null },
];

async function save(token: string, input: Record<string, unknown>) {
  return gql(t.url, token, SAVE, { input });
}

describe('saved mappings', () => {
  it('should save a mapping, list it by entity, and replace it when saved again under the same name', async () => {
    const first = await save(member, { name: 'Kunden-Export', entity: 'CONTACTS', mapping: KUNDEN });
    expect(first.errors).toBeUndefined();
    expect(first.data.saveMapping).toMatchObject({ name: 'Kunden-Export', entity: 'CONTACTS', mapping: KUNDEN });
    await save(member, { name: 'Rechnungen', entity: 'INVOICES', mapping: [{ column: 'Nr', field: 'number' }] });

    const contacts = (await gql(t.url, member, LIST, { entity: 'CONTACTS' })).data.mappings;
    expect(contacts.map((m: { name: string }) => m.name)).toEqual(['Kunden-Export']);
    const all = (await gql(t.url, member, LIST, {})).data.mappings;
    expect(all.map((m: { name: string; entity: string }) => `${m.entity}:${m.name}`)).toEqual(['CONTACTS:Kunden-Export', 'INVOICES:Rechnungen']);

    const changed = [...KUNDEN.slice(0, 3), { column: 'Notiz', field: 'company' }];
    const again = (await save(member, { name: 'Kunden-Export', entity: 'CONTACTS', mapping: changed })).data.saveMapping;
    expect(again.id).toBe(first.data.saveMapping.id);
    expect(again.mapping).toEqual(changed);
    expect(Date.parse(again.updatedAt)).toBeGreaterThanOrEqual(Date.parse(first.data.saveMapping.updatedAt));
    expect((await gql(t.url, member, LIST, { entity: 'CONTACTS' })).data.mappings).toEqual([again]);
  });

  it('should keep each workspace its own mappings', async () => {
    await save(other, { name: 'Fremd', entity: 'CONTACTS', mapping: [{ column: 'Mail', field: 'email' }] });
    const mine = (await gql(t.url, member, LIST, { entity: 'CONTACTS' })).data.mappings.map((m: { name: string }) => m.name);
    expect(mine).not.toContain('Fremd');
    const theirs = (await gql(t.url, other, LIST, { entity: 'CONTACTS' })).data.mappings.map((m: { name: string }) => m.name);
    expect(theirs).toEqual(['Fremd']);
  });

  it('should refuse a mapping with an unknown field, a field for two columns, or no name, storing nothing', async () => {
    const before = (await gql(t.url, member, LIST, {})).data.mappings;
    const cases: [Record<string, unknown>, string][] = [
      [{ name: 'x', entity: 'CONTACTS', mapping: [{ column: 'A', field: 'nope' }] }, 'UNKNOWN_FIELD'],
      [
        {
          name: 'x',
          entity: 'CONTACTS',
          mapping: [
            { column: 'A', field: 'email' },
            { column: 'B', field: 'email' },
          ],
        },
        'FIELD_MAPPED_TWICE',
      ],
      [{ name: '   ', entity: 'CONTACTS', mapping: [] }, 'INVALID_MAPPING_NAME'],
      [{ name: 'x'.repeat(101), entity: 'CONTACTS', mapping: [] }, 'INVALID_MAPPING_NAME'],
    ];
    for (const [input, reason] of cases) {
      const r = await save(member, input);
      expect(r.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason });
    }
    expect((await gql(t.url, member, LIST, {})).data.mappings).toEqual(before);
  });

  it('should import with mappingName, applying only the saved choices whose columns the file has', async () => {
    await save(member, { name: 'Kunden-Export', entity: 'CONTACTS', mapping: KUNDEN });
    // No Notiz column, and two extra ones the saved mapping does not know (matched automatically).
    const csv = buildCsv([
      ['E-mail', 'Vorname', 'Nachname', 'Firma', 'Telefon'],
      ['k1@example.com', 'Karl', 'Klein', 'ACME', '+49 1'],
      ['k2@example.com', 'Karla', 'Groß', 'Initech', '+49 2'],
      ['k3@example.com', 'Kurt', 'Lang', 'Globex', '+49 3'],
    ]);
    const job = await importAndWait(t.url, member, csv, { mappingName: 'Kunden-Export' });
    expect(job).toMatchObject({ status: 'COMPLETED', totalRows: 3, succeededRows: 3, failedRows: 0, insertedRows: 3 });
    expect((await fetchJob(t.url, member, job.id)).ignoredColumns).toEqual(['Firma', 'Telefon']);
    expect((await contactsOf(t.databaseUrl, 'saver')).get('k2@example.com')).toMatchObject({ first_name: 'Karla', last_name: 'Groß', company: null });
  });

  it('should let startImport mapping choices win over the saved ones, column by column', async () => {
    const csv = buildCsv([
      ['E-mail', 'Vorname', 'Nachname', 'Notiz'],
      ['w1@example.com', 'Wim', 'Weiß', 'Wichtig'],
    ]);
    const job = await importAndWait(t.url, member, csv, { mappingName: 'Kunden-Export', mapping: [{ column: 'Notiz', field: 'company' }] });
    expect(job).toMatchObject({ status: 'COMPLETED', succeededRows: 1 });
    expect((await contactsOf(t.databaseUrl, 'saver')).get('w1@example.com')).toMatchObject({ first_name: 'Wim', company: 'Wichtig' });
  });

  it("should refuse an unknown mappingName, and another workspace's, with BAD_USER_INPUT before starting a job", async () => {
    const jobsBefore = await allJobIds(t.url, member);
    const csv = buildCsv([
      ['E-mail', 'Vorname'],
      ['a@example.com', 'A'],
    ]);
    for (const name of ['Gibt-es-nicht', 'Fremd']) {
      const r = await uploadImport(t.url, member, csv, { mappingName: name });
      expect(r.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'UNKNOWN_MAPPING' });
      expect(r.errors?.[0].message).toContain(`no saved mapping named '${name}' for CONTACTS`);
    }
    // A name saved for invoices does not apply to contacts.
    const r = await uploadImport(t.url, member, csv, { mappingName: 'Rechnungen' });
    expect(r.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'UNKNOWN_MAPPING' });
    expect(await allJobIds(t.url, member)).toEqual(jobsBefore);
  });
});

describe('saved mappings and the support role', () => {
  it("should let support staff read every workspace's mappings", async () => {
    const names = (await gql(t.url, support, LIST, { entity: 'CONTACTS' })).data.mappings.map((m: { name: string }) => m.name);
    expect(names).toEqual(expect.arrayContaining(['Kunden-Export', 'Fremd']));
  });

  it('should refuse support staff saving a mapping with FORBIDDEN, storing nothing', async () => {
    const before = (await gql(t.url, support, LIST, {})).data.mappings;
    const r = await save(support, { name: 'Support', entity: 'CONTACTS', mapping: KUNDEN });
    expect(r.data?.saveMapping ?? null).toBeNull();
    expect(r.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    expect(r.errors?.[0].message).toBe('the support role is read-only: it cannot save mappings');
    expect((await gql(t.url, support, LIST, {})).data.mappings).toEqual(before);
  });

  it('should refuse an anonymous caller both ways', async () => {
    expect((await gql(t.url, undefined, LIST, {})).errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    expect((await save('', { name: 'x', entity: 'CONTACTS', mapping: [] })).errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
  });
});
