import { badInput } from './errors.ts';

/**
 * Free text a caller passes in (an idempotency key, a search string, a tag): refused with a message
 * naming the field, never passed on to the database to fail there. Control characters other than tab
 * have no place in any of them; PostgreSQL cannot even store NUL.
 */
export function checkText(field: string, value: string, maxLength: number): string {
  if (value.length > maxLength) throw badInput(`${field} must be at most ${maxLength} characters`, { field });
  if (/[\u0000-\u0008\u000a-\u001f\u007f]/.test(value)) throw badInput(`${field} must not contain control characters (NUL, line breaks...)`, { field });
  return value;
}

/** A list of free-text items: at most maxItems, each checked by checkText. */
export function checkTextList(field: string, values: string[], maxItems: number, maxLength: number): string[] {
  if (values.length > maxItems) throw badInput(`${field} may list at most ${maxItems} values`, { field });
  return values.map((v) => checkText(field, v, maxLength));
}
