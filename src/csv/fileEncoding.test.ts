import { describe, expect, it } from 'vitest';
import { encodingOfJob, FILE_ENCODINGS, parseFileEncoding } from './fileEncoding.ts';

describe('file encoding names', () => {
  it('should accept every name the API reports, in any case', () => {
    for (const name of FILE_ENCODINGS) {
      expect(parseFileEncoding(name)).toBe(name);
      expect(parseFileEncoding(name.toLowerCase())).toBe(name);
    }
  });

  it('should map the usual other spellings onto one name', () => {
    expect(parseFileEncoding('utf8')).toBe('UTF-8');
    expect(parseFileEncoding(' UTF-8-BOM ')).toBe('UTF-8');
    expect(parseFileEncoding('utf16le')).toBe('UTF-16LE');
    expect(parseFileEncoding('cp1252')).toBe('WINDOWS-1252');
    expect(parseFileEncoding('ISO-8859-1')).toBe('WINDOWS-1252');
    expect(parseFileEncoding('latin1')).toBe('WINDOWS-1252');
  });

  it('should refuse names of encodings it does not read', () => {
    for (const name of ['', 'UTF-16', 'UTF-32LE', 'Shift_JIS', 'EBCDIC', 'utf-9']) expect(parseFileEncoding(name), name).toBeNull();
  });

  it('should read a job without a recorded encoding as UTF-8, as it was read before encodings were recorded', () => {
    expect(encodingOfJob(null)).toBe('UTF-8');
    expect(encodingOfJob('UTF-16BE')).toBe('UTF-16BE');
  });
});
