import { useState, type FormEvent } from 'react';
import { useNavigate } from 'react-router';
import { ENTITIES, SAVE_MAPPING, type DuplicateStrategy, type Entity, type StartImportVariables } from '../api/operations.ts';
import { uploadImport } from '../api/uploadImport.ts';
import { useSession } from '../session/SessionContext.tsx';
import { CsvPreviewTable } from './CsvPreviewTable.tsx';
import { DuplicateStrategyField } from './DuplicateStrategyField.tsx';
import { FilePicker } from './FilePicker.tsx';
import { fieldsChosenTwice, unmappedRequired, applySavedMapping } from './mappingRules.ts';
import { MappingStep } from './MappingStep.tsx';
import { SavedMappingPicker } from './SavedMappingPicker.tsx';
import { useImportDraft } from './useImportDraft.ts';

/** Entity, file, preview, mapping, duplicate strategy, validate only, Start import. */
export function ImportPage() {
  const { session, request, noteForbidden } = useSession();
  const navigate = useNavigate();
  const draft = useImportDraft();
  const [duplicateStrategy, setDuplicateStrategy] = useState<DuplicateStrategy>('SKIP');
  const [dryRun, setDryRun] = useState(false);
  const [uploaded, setUploaded] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);

  const { support, mapping, preview, file } = draft;
  const fields = support.state === 'ready' ? support.suggestion.fields : [];
  const blockers: string[] = [];
  if (!file) blockers.push('Choose a CSV file.');
  else if (!preview) blockers.push(draft.previewError ?? 'Reading the file…');
  if (support.state === 'loading') blockers.push('Matching the columns…');
  if (support.state === 'ready') {
    const missing = unmappedRequired(fields, mapping);
    if (missing.length) blockers.push(`Match a column to ${missing.join(', ')}.`);
    if (fieldsChosenTwice(mapping).length) blockers.push('Choose each field for one column only.');
  }

  async function start(e: FormEvent) {
    e.preventDefault();
    if (blockers.length || !file) return;
    const input: StartImportVariables = {
      entity: draft.entity,
      duplicateStrategy,
      ...(support.state === 'ready' ? { mapping } : {}),
      ...(dryRun ? { dryRun: true as const } : {}),
    };
    setError(null);
    setUploaded(0);
    try {
      const job = await uploadImport(session.token, input, file, setUploaded);
      navigate(`/jobs/${job.id}`);
    } catch (err) {
      noteForbidden(err);
      setError((err as Error).message);
      setUploaded(null);
    }
  }

  async function saveMapping(name: string) {
    await request(SAVE_MAPPING, { input: { name, entity: draft.entity, mapping } });
    draft.reloadSavedMappings();
  }

  const uploading = uploaded !== null;
  return (
    <main id="main">
      <h1>Import a spreadsheet</h1>
      <form onSubmit={start} className="stack">
        <div className="field">
          <label htmlFor="entity">Entity</label>
          <select id="entity" value={draft.entity} onChange={(e) => draft.setEntity(e.target.value as Entity)} disabled={uploading}>
            {ENTITIES.map((en) => (
              <option key={en.value} value={en.value}>
                {en.label}
              </option>
            ))}
          </select>
        </div>

        <FilePicker file={file} onFile={draft.setFile} disabled={uploading} />
        {draft.previewError && (
          <p className="error" role="alert">
            {draft.previewError}
          </p>
        )}
        {preview && file && <CsvPreviewTable preview={preview} fileName={file.name} />}

        {support.state === 'ready' && (
          <>
            <MappingStep fields={fields} mapping={mapping} samples={preview?.headers.map((_, i) => preview.rows[0]?.[i])} onChange={draft.setMapping} />
            {draft.savedMappings && (
              <SavedMappingPicker
                mappings={draft.savedMappings}
                onChoose={(saved) => draft.setMapping(applySavedMapping(mapping, saved, fields))}
                onSave={saveMapping}
              />
            )}
          </>
        )}
        {support.state === 'unsupported' && (
          <p className="help" role="note">
            Columns are matched to fields by their headers (ignoring case, spaces, underscores and hyphens); other columns are ignored.
          </p>
        )}
        {support.state === 'failed' && (
          <p className="error" role="alert">
            The columns could not be matched: {support.message}
          </p>
        )}

        <DuplicateStrategyField value={duplicateStrategy} onChange={setDuplicateStrategy} />

        <div className="field checkbox">
          <input id="dry-run" type="checkbox" checked={dryRun} onChange={(e) => setDryRun(e.target.checked)} aria-describedby="dry-run-help" />
          <label htmlFor="dry-run">Validate only</label>
          <p id="dry-run-help" className="help">
            Checks every row and reports what would be inserted, updated or refused, without writing anything.
          </p>
        </div>

        {blockers.length > 0 && file && (
          <ul className="blockers" aria-label="Before you can start">
            {blockers.map((b) => (
              <li key={b}>{b}</li>
            ))}
          </ul>
        )}
        {error && (
          <p className="error" role="alert">
            The import was not started: {error}
          </p>
        )}
        <p role="status" className="help">
          {uploading ? `Uploading… ${Math.round((uploaded ?? 0) * 100)}%` : ''}
        </p>
        <button type="submit" disabled={blockers.length > 0 || uploading}>
          Start import
        </button>
      </form>
    </main>
  );
}
