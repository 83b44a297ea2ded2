import type { DuplicateStrategy } from '../api/operations.ts';

const CHOICES: { value: DuplicateStrategy; label: string }[] = [
  { value: 'SKIP', label: 'Skip it: keep the existing record' },
  { value: 'UPDATE', label: 'Update it with the file’s values' },
  { value: 'FAIL', label: 'Report it as a row error' },
];

/** What happens to a row whose key (a contact's email, an invoice's number) already exists. */
export function DuplicateStrategyField({ value, onChange }: { value: DuplicateStrategy; onChange: (v: DuplicateStrategy) => void }) {
  return (
    <fieldset className="radios">
      <legend>Duplicate strategy: when a record already exists</legend>
      {CHOICES.map((c) => (
        <label key={c.value}>
          <input type="radio" name="duplicateStrategy" value={c.value} checked={value === c.value} onChange={() => onChange(c.value)} />
          {c.label}
        </label>
      ))}
    </fieldset>
  );
}
