import { useId } from 'react';
import type { ColumnMapping, EntityField } from '../api/operations.ts';
import { chooseField, fieldsChosenTwice, unmappedRequired } from './mappingRules.ts';

interface Props {
  /** The entity's fields in order: the options of every select. */
  fields: EntityField[];
  /** One entry per file column, in file order. */
  mapping: ColumnMapping[];
  /** A value from the file's first data row per column, to help tell columns apart. */
  samples?: (string | undefined)[];
  onChange: (mapping: ColumnMapping[]) => void;
}

const IGNORE = '';

/**
 * One select per file column, named by the column's header text, preset from suggestMapping.
 * Unmapped columns stay listed (as "Ignore this column"), and required fields no column is mapped
 * to are named plainly, so nothing is dropped without the user seeing it.
 */
export function MappingStep({ fields, mapping, samples, onChange }: Props) {
  const baseId = useId();
  const missing = unmappedRequired(fields, mapping);
  const twice = fieldsChosenTwice(mapping);

  return (
    <fieldset className="mapping">
      <legend>Match columns to fields</legend>
      <p className="help">Each column of your file goes into the field you choose. Columns set to “Ignore this column” are not imported.</p>
      <ul className="mapping-list">
        {mapping.map((m, i) => {
          const id = `${baseId}-col-${i}`;
          const sample = samples?.[i];
          return (
            <li key={i}>
              <label htmlFor={id}>{m.column === '' ? `Column ${i + 1} (no header)` : m.column}</label>
              <select
                id={id}
                value={m.field ?? IGNORE}
                onChange={(e) => onChange(chooseField(mapping, i, e.target.value === IGNORE ? null : e.target.value))}
                aria-describedby={sample ? `${id}-sample` : undefined}
              >
                <option value={IGNORE}>Ignore this column</option>
                {fields.map((f) => (
                  <option key={f.name} value={f.name}>
                    {f.required ? `${f.name} (required)` : f.name}
                  </option>
                ))}
              </select>
              {sample !== undefined && sample !== '' && (
                <span id={`${id}-sample`} className="sample">
                  e.g. {sample}
                </span>
              )}
            </li>
          );
        })}
      </ul>
      <div role="status" className="mapping-status">
        {missing.length > 0 ? (
          <p className="warning">
            Required {missing.length === 1 ? 'field' : 'fields'} not matched to any column: <strong>{missing.join(', ')}</strong>. Choose the column that holds{' '}
            {missing.length === 1 ? 'it' : 'each'}.
          </p>
        ) : (
          <p className="ok">Every required field has a column.</p>
        )}
        {twice.map((t) => (
          <p key={t.field} className="warning">
            <strong>{t.field}</strong> is chosen for more than one column ({t.columns.join(', ')}): choose it for one only.
          </p>
        ))}
      </div>
    </fieldset>
  );
}
