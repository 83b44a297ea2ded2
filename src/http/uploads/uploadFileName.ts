/** Longest file name accepted, in characters (what file systems allow). */
export const MAX_FILE_NAME_LENGTH = 255;

/**
 * Why a file name as sent by the client cannot be accepted, or null. Control characters (NUL, line
 * breaks, DEL...) have no place in a file name: they break logs, headers and storage paths.
 */
export function fileNameProblem(name: string | undefined): string | null {
  if (name === undefined || name === '') return 'the file part has no filename: send the file as a file, with its name';
  if (/[\u0000-\u001f\u007f-\u009f]/.test(name)) return 'the filename contains control characters (NUL, line breaks...): rename the file and send it again';
  if (name.length > MAX_FILE_NAME_LENGTH) return `the filename is longer than ${MAX_FILE_NAME_LENGTH} characters: rename the file and send it again`;
  return null;
}
