import { useState } from 'react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { cleanup, render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { ColumnMapping, EntityField } from '../api/operations.ts';
import { MappingStep } from './MappingStep.tsx';

const CONTACT_FIELDS: EntityField[] = [
  { name: 'email', required: true },
  { name: 'first_name', required: true },
  { name: 'last_name', required: false },
  { name: 'phone', required: false },
  { name: 'company', required: false },
  { name: 'tags', required: false },
];

/** What suggestMapping answers for a German export: only E-mail matches by itself. */
const SUGGESTED: ColumnMapping[] = [
  { column: 'E-mail', field: 'email' },
  { column: 'Vorname', field: null },
  { column: 'Nachname', field: null },
  { column: 'Notizen', field: null },
];

function MappingUnderTest({ onChange }: { onChange?: (m: ColumnMapping[]) => void }) {
  const [mapping, setMapping] = useState(SUGGESTED);
  return (
    <MappingStep
      fields={CONTACT_FIELDS}
      mapping={mapping}
      samples={['ann@example.com', 'Ann', 'Lee', 'met at fair']}
      onChange={(m) => {
        setMapping(m);
        onChange?.(m);
      }}
    />
  );
}

const select = (header: string) => screen.getByRole<HTMLSelectElement>('combobox', { name: header });
const status = () => screen.getByRole('status');

describe('the mapping step', () => {
  afterEach(cleanup);

  it('should show one select per file column, named by its header text and preset from the suggestion', () => {
    render(<MappingUnderTest />);

    expect(screen.getAllByRole('combobox')).toHaveLength(4);
    expect(select('E-mail').value).toBe('email');
    expect(select('Vorname').value).toBe('');
    expect(select('Nachname').value).toBe('');
    // Every entity field is offered, required ones marked, plus a way to ignore the column.
    const options = within(select('Vorname'))
      .getAllByRole('option')
      .map((o) => o.textContent);
    expect(options).toEqual(['Ignore this column', 'email (required)', 'first_name (required)', 'last_name', 'phone', 'company', 'tags']);
    expect(screen.getByText('e.g. Ann')).toBeTruthy();
  });

  it('should name the required fields no column is mapped to, until the user chooses a column for each', async () => {
    const user = userEvent.setup();
    const changes = vi.fn();
    render(<MappingUnderTest onChange={changes} />);
    expect(status().textContent).toContain('Required field not matched to any column: first_name.');

    await user.selectOptions(select('Vorname'), 'first_name');

    expect(select('Vorname').value).toBe('first_name');
    expect(status().textContent).not.toContain('first_name');
    expect(status().textContent).toContain('Every required field has a column.');
    expect(changes).toHaveBeenLastCalledWith([
      { column: 'E-mail', field: 'email' },
      { column: 'Vorname', field: 'first_name' },
      { column: 'Nachname', field: null },
      { column: 'Notizen', field: null },
    ]);
  });

  it('should name a required field again when the user sets its column back to ignored', async () => {
    const user = userEvent.setup();
    render(<MappingUnderTest />);
    await user.selectOptions(select('E-mail'), '');

    expect(status().textContent).toContain('Required fields not matched to any column: email, first_name.');
  });

  it('should warn when one field is chosen for two columns, naming both', async () => {
    const user = userEvent.setup();
    render(<MappingUnderTest />);
    await user.selectOptions(select('Vorname'), 'last_name');
    await user.selectOptions(select('Nachname'), 'last_name');

    expect(status().textContent).toContain('last_name is chosen for more than one column (Vorname, Nachname)');
  });

  it('should reach every column’s select with Tab, in the file’s column order', async () => {
    const user = userEvent.setup();
    render(<MappingUnderTest />);
    const reached: string[] = [];
    for (let i = 0; i < 4; i++) {
      await user.tab();
      reached.push((document.activeElement as HTMLSelectElement).labels?.[0]?.textContent ?? '');
    }
    expect(reached).toEqual(['E-mail', 'Vorname', 'Nachname', 'Notizen']);
  });
});
