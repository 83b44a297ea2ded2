import { describe, expect, it } from 'vitest';
import { AppError } from '../errors.ts';
import { checkMapping, mappingForHeader, suggestMapping } from './columnMapping.ts';
import { contacts } from './contacts.ts';
import { matchHeader } from './headerMatch.ts';

function reasonOf(f: () => unknown): unknown {
  try {
    f();
  } catch (err) {
    return err instanceof AppError ? err.details.reason : err;
  }
  return null;
}

describe('column mappings', () => {
  it('should let explicit choices win over matching by name, and ignore a column mapped to null', () => {
    const header = ['\uFEFFemail', 'first_name', ' Rufname ', 'company', 'Notiz'];
    const m = matchHeader(contacts, header, [
      { column: 'Rufname', field: 'first_name' },
      { column: 'company', field: null },
    ]);
    expect(m.fieldIndex.slice(0, 5)).toEqual([0, 2, -1, -1, -1]);
    expect(m.unknown).toEqual(['first_name', 'company', 'Notiz']);
    expect(m.missingRequired).toEqual([]);
  });

  it('should refuse unknown fields, a field for two columns and a column named twice', () => {
    expect(reasonOf(() => checkMapping(contacts, [{ column: 'A', field: 'vorname' }]))).toBe('UNKNOWN_FIELD');
    expect(
      reasonOf(() =>
        checkMapping(contacts, [
          { column: 'A', field: 'email' },
          { column: 'B', field: 'email' },
        ]),
      ),
    ).toBe('FIELD_MAPPED_TWICE');
    expect(
      reasonOf(() =>
        checkMapping(contacts, [
          { column: 'A', field: null },
          { column: ' A', field: 'email' },
        ]),
      ),
    ).toBe('COLUMN_MAPPED_TWICE');
    expect(reasonOf(() => checkMapping(contacts, [{ column: '  ', field: 'email' }]))).toBe('INVALID_COLUMN');
    expect(
      reasonOf(() =>
        checkMapping(contacts, [
          { column: 'A', field: 'email' },
          { column: 'B', field: null },
          { column: 'C', field: null },
        ]),
      ),
    ).toBeNull();
  });

  it('should apply saved choices under explicit ones, skipping columns the file lacks and fields already chosen', () => {
    const header = ['Mail', 'Vorname', 'Name'];
    const saved = [
      { column: 'Mail', field: 'email' },
      { column: 'Vorname', field: 'first_name' },
      { column: 'Geburtstag', field: 'tags' },
      { column: 'Name', field: 'last_name' },
    ];
    expect(mappingForHeader(header, [{ column: 'Name', field: 'first_name' }], saved)).toEqual([
      { column: 'Name', field: 'first_name' },
      { column: 'Mail', field: 'email' },
    ]);
    expect(reasonOf(() => mappingForHeader(header, [{ column: 'Geburtstag', field: 'tags' }]))).toBe('UNKNOWN_COLUMN');
    expect(reasonOf(() => mappingForHeader(['Name', 'Name'], [], [{ column: 'Name', field: 'first_name' }]))).toBe('AMBIGUOUS_COLUMN');
  });

  it('should suggest what the import does with no mapping: first match wins, required fields left named', () => {
    const s = suggestMapping(contacts, ['E-mail', 'Mail', 'Vorname']);
    expect(s.mapping).toEqual([
      { column: 'E-mail', field: 'email' },
      { column: 'Mail', field: null },
      { column: 'Vorname', field: null },
    ]);
    expect(s.missingRequired).toEqual(['first_name']);
  });
});
