import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const DIR = path.dirname(fileURLToPath(import.meta.url));

describe('the partner client (src/client)', () => {
  it('should import nothing from the server: only its own files and npm packages', () => {
    const files = fs.readdirSync(DIR).filter((f) => f.endsWith('.ts'));
    expect(files.length).toBeGreaterThan(5);
    const outside: string[] = [];
    for (const f of files) {
      const source = fs.readFileSync(path.join(DIR, f), 'utf8');
      for (const m of source.matchAll(/(?:from|import)\s*\(?\s*['"]([^'"]+)['"]/g)) {
        const spec = m[1];
        if (spec.startsWith('.') && !path.resolve(DIR, spec).startsWith(DIR + path.sep)) outside.push(`${f}: ${spec}`);
      }
    }
    expect(outside).toEqual([]);
  });
});
