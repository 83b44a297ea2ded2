import Papa from 'papaparse';

export interface CsvPreview {
  headers: string[];
  /** The first data rows, as the file has them. */
  rows: string[][];
}

export const PREVIEW_ROWS = 5;

/**
 * The header and the first rows, read in the browser: only the start of the file is read, however
 * large it is. Comma-separated like the API reads it; a BOM is dropped like the API drops it.
 */
export function readCsvPreview(file: Blob): Promise<CsvPreview> {
  return new Promise((resolve, reject) => {
    Papa.parse<string[]>(file as File, {
      delimiter: ',',
      preview: PREVIEW_ROWS + 1,
      skipEmptyLines: true,
      complete: (result) => {
        const [header, ...rows] = result.data;
        if (!header || header.every((h) => h.trim() === '')) {
          reject(new Error('The file has no header row. The first line must name the columns, for example: email,first_name'));
          return;
        }
        resolve({ headers: header.map((h, i) => (i === 0 ? h.replace(/^\uFEFF/, '') : h)), rows });
      },
      error: (err) => reject(new Error(`The file could not be read: ${err.message}`)),
    });
  });
}
