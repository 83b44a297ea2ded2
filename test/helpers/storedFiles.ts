import fs from 'node:fs';
import path from 'node:path';

/** Every regular file under a storage directory, recursively, as paths relative to it. */
export function storedFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return (fs.readdirSync(dir, { recursive: true }) as string[]).filter((f) => fs.statSync(path.join(dir, f)).isFile()).sort();
}
