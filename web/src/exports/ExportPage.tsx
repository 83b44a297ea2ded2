import { useState, type FormEvent } from 'react';
import { useNavigate } from 'react-router';
import { ENTITIES, START_EXPORT, type Entity, type ExportFormat, type JobSummaryFields } from '../api/operations.ts';
import { useSession } from '../session/SessionContext.tsx';
import { INVOICE_STATUSES, toExportInput, type ExportForm } from './exportInput.ts';

const EMPTY: ExportForm = {
  entity: 'CONTACTS',
  createdAfter: '',
  createdBefore: '',
  updatedAfter: '',
  tags: '',
  statuses: [],
  search: '',
  format: 'CSV',
  gzip: false,
  excelCompatible: false,
};

/** Start an export (entity, filters, format); its job page offers the download when it is done. */
export function ExportPage() {
  const { request, noteForbidden } = useSession();
  const navigate = useNavigate();
  const [form, setForm] = useState<ExportForm>(EMPTY);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const set = <K extends keyof ExportForm>(key: K, value: ExportForm[K]) => setForm((f) => ({ ...f, [key]: value }));

  async function start(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const { startExport } = await request<{ startExport: JobSummaryFields }>(START_EXPORT, { input: toExportInput(form) });
      navigate(`/jobs/${startExport.id}`);
    } catch (err) {
      noteForbidden(err);
      setError((err as Error).message);
      setBusy(false);
    }
  }

  return (
    <main id="main">
      <h1>Export</h1>
      <form onSubmit={start} className="stack">
        <div className="field">
          <label htmlFor="export-entity">Entity</label>
          <select id="export-entity" value={form.entity} onChange={(e) => set('entity', e.target.value as Entity)}>
            {ENTITIES.map((en) => (
              <option key={en.value} value={en.value}>
                {en.label}
              </option>
            ))}
          </select>
        </div>

        <fieldset>
          <legend>Filters (all optional)</legend>
          <div className="grid">
            <div className="field">
              <label htmlFor="created-after">Created on or after</label>
              <input id="created-after" type="date" value={form.createdAfter} onChange={(e) => set('createdAfter', e.target.value)} />
            </div>
            <div className="field">
              <label htmlFor="created-before">Created before</label>
              <input id="created-before" type="date" value={form.createdBefore} onChange={(e) => set('createdBefore', e.target.value)} />
            </div>
            <div className="field">
              <label htmlFor="updated-after">Updated on or after</label>
              <input id="updated-after" type="date" value={form.updatedAfter} onChange={(e) => set('updatedAfter', e.target.value)} />
            </div>
            <div className="field">
              <label htmlFor="search">Search</label>
              <input id="search" type="search" value={form.search} onChange={(e) => set('search', e.target.value)} aria-describedby="search-help" />
              <span id="search-help" className="help">
                Text in names, emails, companies or numbers, any case.
              </span>
            </div>
          </div>
          {form.entity === 'CONTACTS' ? (
            <div className="field">
              <label htmlFor="tags">Tags (any of, comma-separated)</label>
              <input id="tags" type="text" value={form.tags} onChange={(e) => set('tags', e.target.value)} />
            </div>
          ) : (
            <fieldset className="checkboxes">
              <legend>Status (any of)</legend>
              {INVOICE_STATUSES.map((s) => (
                <label key={s}>
                  <input
                    type="checkbox"
                    checked={form.statuses.includes(s)}
                    onChange={(e) => set('statuses', e.target.checked ? [...form.statuses, s] : form.statuses.filter((x) => x !== s))}
                  />
                  {s}
                </label>
              ))}
            </fieldset>
          )}
        </fieldset>

        <fieldset className="radios">
          <legend>Format</legend>
          {(['CSV', 'JSONL'] as ExportFormat[]).map((f) => (
            <label key={f}>
              <input type="radio" name="format" value={f} checked={form.format === f} onChange={() => set('format', f)} />
              {f === 'CSV' ? 'CSV (spreadsheets)' : 'JSON Lines (one object per line)'}
            </label>
          ))}
        </fieldset>
        {form.format === 'CSV' && (
          <div className="field checkbox">
            <input id="excel" type="checkbox" checked={form.excelCompatible} onChange={(e) => set('excelCompatible', e.target.checked)} />
            <label htmlFor="excel">Excel compatible (BOM and CRLF line ends)</label>
          </div>
        )}
        <div className="field checkbox">
          <input id="gzip" type="checkbox" checked={form.gzip} onChange={(e) => set('gzip', e.target.checked)} />
          <label htmlFor="gzip">Compress with gzip</label>
        </div>

        {error && (
          <p className="error" role="alert">
            The export was not started: {error}
          </p>
        )}
        <button type="submit" disabled={busy}>
          Start export
        </button>
      </form>
    </main>
  );
}
