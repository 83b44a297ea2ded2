const UNITS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/**
 * "30d", "12h", "90m", "2w", "45s" → milliseconds. A unit is required: a bare number is refused
 * rather than guessed (libraries such as `ms` read "30" as 30 milliseconds, a token dead on arrival).
 */
export function parseDuration(text: string): number {
  const m = /^\s*(\d+)\s*([smhdw])\s*$/i.exec(text);
  if (!m) throw new Error(`'${text}' is not a duration: use a whole number and a unit s, m, h, d or w (e.g. 30d, 12h)`);
  const ms = Number(m[1]) * UNITS[m[2].toLowerCase()];
  if (ms <= 0) throw new Error(`a duration must be longer than zero, got '${text}'`);
  return ms;
}
