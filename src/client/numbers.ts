/** Display helpers shared by the progress display and the summaries. */

export const count = (n: number): string => n.toLocaleString('en-US');

/** 1 → "1 row", 3 → "3 rows" */
export const rows = (n: number): string => `${count(n)} row${n === 1 ? '' : 's'}`;

/** 65 → "1m05s", 3725 → "1h02m", null → "-" */
export function duration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return '-';
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** 1536 → "1.5 KB" */
export function bytes(n: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${n} B` : `${v.toFixed(1)} ${units[i]}`;
}
