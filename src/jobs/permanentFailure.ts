/**
 * A failure that retrying cannot mend (the uploaded file is gone, a task's payload cannot be read):
 * the job fails on the first attempt with this message as its reason, which a user must be able
 * to act on. Everything else is presumed transient and retried with backoff.
 */
export class PermanentFailure extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PermanentFailure';
  }
}
