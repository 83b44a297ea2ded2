import type { CsvPreview } from './readCsvPreview.ts';

/** The first rows as the file has them, so the user can tell which column is which. */
export function CsvPreviewTable({ preview, fileName }: { preview: CsvPreview; fileName: string }) {
  return (
    <div className="table-scroll" role="region" aria-label={`Preview of ${fileName}`} tabIndex={0}>
      <table className="preview">
        <caption>First rows of {fileName}</caption>
        <thead>
          <tr>
            {preview.headers.map((h, i) => (
              <th key={i} scope="col">
                {h}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {preview.rows.map((row, r) => (
            <tr key={r}>
              {preview.headers.map((_, c) => (
                <td key={c}>{row[c] ?? ''}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
