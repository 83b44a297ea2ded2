import { useId, useState } from 'react';
import type { SavedMapping } from '../api/operations.ts';

interface Props {
  mappings: SavedMapping[];
  onChoose: (saved: SavedMapping) => void;
  /** Absent for read-only viewers. */
  onSave?: (name: string) => Promise<void>;
}

/** Choose one of the workspace's saved mappings for this entity, or save the current one under a name. */
export function SavedMappingPicker({ mappings, onChoose, onSave }: Props) {
  const id = useId();
  const [chosen, setChosen] = useState('');
  const [name, setName] = useState('');
  const [message, setMessage] = useState<{ text: string; error: boolean } | null>(null);
  const [saving, setSaving] = useState(false);

  async function save() {
    if (!onSave) return;
    if (!name.trim()) {
      setMessage({ text: 'Give the mapping a name first.', error: true });
      return;
    }
    setSaving(true);
    try {
      await onSave(name.trim());
      setMessage({ text: `Saved as “${name.trim()}”.`, error: false });
    } catch (err) {
      setMessage({ text: `Not saved: ${(err as Error).message}`, error: true });
    } finally {
      setSaving(false);
    }
  }

  return (
    <div className="saved-mappings">
      <div className="field">
        <label htmlFor={`${id}-choose`}>Saved mapping</label>
        <select
          id={`${id}-choose`}
          value={chosen}
          disabled={mappings.length === 0}
          onChange={(e) => {
            setChosen(e.target.value);
            const saved = mappings.find((m) => m.id === e.target.value);
            if (saved) onChoose(saved);
          }}
        >
          <option value="">{mappings.length === 0 ? 'None saved yet' : 'Choose a saved mapping'}</option>
          {mappings.map((m) => (
            <option key={m.id} value={m.id}>
              {m.name}
            </option>
          ))}
        </select>
      </div>
      {onSave && (
        <div className="field inline">
          <label htmlFor={`${id}-name`}>Mapping name</label>
          <input id={`${id}-name`} type="text" value={name} onChange={(e) => setName(e.target.value)} />
          <button type="button" className="secondary" onClick={save} disabled={saving}>
            Save mapping
          </button>
        </div>
      )}
      <p role="status" className={message?.error ? 'error' : 'help'}>
        {message?.text ?? ''}
      </p>
    </div>
  );
}
