const whole = new Intl.NumberFormat('en');

export function formatCount(n: number): string {
  return whole.format(n);
}

/** "1,234 rows/s"; null while no rate is known yet. */
export function formatRate(rowsPerSecond: number | null): string | null {
  if (rowsPerSecond === null || !Number.isFinite(rowsPerSecond)) return null;
  return `${whole.format(Math.round(rowsPerSecond))} rows/s`;
}

/** "about 2 min 5 s left"; null when the server cannot estimate it yet. */
export function formatTimeLeft(etaSeconds: number | null): string | null {
  if (etaSeconds === null || etaSeconds < 0) return null;
  if (etaSeconds < 1) return 'less than a second left';
  const h = Math.floor(etaSeconds / 3600);
  const m = Math.floor((etaSeconds % 3600) / 60);
  const s = Math.floor(etaSeconds % 60);
  const parts = h > 0 ? [`${h} h`, `${m} min`] : m > 0 ? [`${m} min`, `${s} s`] : [`${s} s`];
  return `about ${parts.join(' ')} left`;
}
