import { useEffect, useState } from 'react';
import { isUnsupportedByServer } from '../api/graphqlRequest.ts';
import { MAPPINGS, SUGGEST_MAPPING, type ColumnMapping, type Entity, type MappingSuggestion, type SavedMapping } from '../api/operations.ts';
import { useSession } from '../session/SessionContext.tsx';
import { readCsvPreview, type CsvPreview } from './readCsvPreview.ts';

/**
 * The mapping step's source: loading, the server's suggestion, or `unsupported` when the API has
 * no suggestMapping (its headers are then matched automatically, as before issue 7).
 */
export type MappingSupport =
  | { state: 'idle' }
  | { state: 'loading' }
  | { state: 'unsupported' }
  | { state: 'ready'; suggestion: MappingSuggestion }
  | { state: 'failed'; message: string };

export interface ImportDraft {
  entity: Entity;
  setEntity(entity: Entity): void;
  file: File | null;
  setFile(file: File): void;
  preview: CsvPreview | null;
  previewError: string | null;
  support: MappingSupport;
  mapping: ColumnMapping[];
  setMapping(mapping: ColumnMapping[]): void;
  /** null: the server keeps no saved mappings (no `mappings` query). */
  savedMappings: SavedMapping[] | null;
  reloadSavedMappings(): void;
}

/** File → preview (papaparse, in the browser) → suggestMapping → the user's mapping; saved mappings per entity. */
export function useImportDraft(): ImportDraft {
  const { request } = useSession();
  const [entity, setEntity] = useState<Entity>('CONTACTS');
  const [file, setFile] = useState<File | null>(null);
  const [preview, setPreview] = useState<CsvPreview | null>(null);
  const [previewError, setPreviewError] = useState<string | null>(null);
  const [support, setSupport] = useState<MappingSupport>({ state: 'idle' });
  const [mapping, setMapping] = useState<ColumnMapping[]>([]);
  const [savedMappings, setSavedMappings] = useState<SavedMapping[] | null>(null);
  const [savedVersion, setSavedVersion] = useState(0);

  useEffect(() => {
    if (!file) return;
    let current = true;
    setPreview(null);
    setPreviewError(null);
    readCsvPreview(file).then(
      (p) => current && setPreview(p),
      (err: Error) => current && setPreviewError(err.message),
    );
    return () => {
      current = false;
    };
  }, [file]);

  useEffect(() => {
    if (!preview) return;
    let current = true;
    setSupport({ state: 'loading' });
    request<{ suggestMapping: MappingSuggestion }>(SUGGEST_MAPPING, { entity, headers: preview.headers }).then(
      ({ suggestMapping }) => {
        if (!current) return;
        setSupport({ state: 'ready', suggestion: suggestMapping });
        // One entry per header, in order (the contract); keyed by position, as headers may repeat.
        setMapping(preview.headers.map((column, i) => ({ column, field: suggestMapping.mapping[i]?.field ?? null })));
      },
      (err: unknown) => {
        if (!current) return;
        setSupport(isUnsupportedByServer(err) ? { state: 'unsupported' } : { state: 'failed', message: (err as Error).message });
        setMapping([]);
      },
    );
    return () => {
      current = false;
    };
  }, [preview, entity, request]);

  useEffect(() => {
    let current = true;
    request<{ mappings: SavedMapping[] }>(MAPPINGS, { entity }).then(
      ({ mappings }) => current && setSavedMappings(mappings),
      () => current && setSavedMappings(null),
    );
    return () => {
      current = false;
    };
  }, [entity, request, savedVersion]);

  return {
    entity,
    setEntity,
    file,
    setFile,
    preview,
    previewError,
    support,
    mapping,
    setMapping,
    savedMappings,
    reloadSavedMappings: () => setSavedVersion((v) => v + 1),
  };
}
