import { describe, expect, it } from 'vitest';
import type { EntityField, SavedMapping } from '../api/operations.ts';
import { applySavedMapping, fieldsChosenTwice, unmappedRequired } from './mappingRules.ts';

const FIELDS: EntityField[] = [
  { name: 'email', required: true },
  { name: 'first_name', required: true },
  { name: 'last_name', required: false },
];

describe('mapping rules', () => {
  it('should list required fields that no column is mapped to, in the entity’s order', () => {
    expect(unmappedRequired(FIELDS, [{ column: 'Nachname', field: 'last_name' }])).toEqual(['email', 'first_name']);
    expect(
      unmappedRequired(FIELDS, [
        { column: 'a', field: 'first_name' },
        { column: 'b', field: 'email' },
      ]),
    ).toEqual([]);
  });

  it('should find a field chosen for two columns and ignore ignored columns', () => {
    expect(
      fieldsChosenTwice([
        { column: 'a', field: 'email' },
        { column: 'b', field: null },
        { column: 'c', field: null },
        { column: 'd', field: 'email' },
      ]),
    ).toEqual([{ field: 'email', columns: ['a', 'd'] }]);
  });

  it('should lay a saved mapping over the columns it names and keep the current choice for the others', () => {
    const saved: SavedMapping = {
      id: '1',
      name: 'CRM export',
      entity: 'CONTACTS',
      updatedAt: '2026-01-01T00:00:00Z',
      mapping: [
        { column: 'Vorname', field: 'first_name' },
        { column: 'Notes', field: null },
        { column: 'Gone', field: 'email' },
        { column: 'Old', field: 'a_field_that_no_longer_exists' },
      ],
    };
    const current = [
      { column: 'E-mail', field: 'email' },
      { column: 'Vorname', field: null },
      { column: 'Notes', field: 'last_name' },
      { column: 'Old', field: 'last_name' },
    ];
    expect(applySavedMapping(current, saved, FIELDS)).toEqual([
      { column: 'E-mail', field: 'email' },
      { column: 'Vorname', field: 'first_name' },
      { column: 'Notes', field: null },
      { column: 'Old', field: 'last_name' },
    ]);
  });
});
