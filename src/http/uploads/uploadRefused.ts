import { AppError } from '../../errors.ts';

/** A refused multipart request: a client error with a stable reason (FILE_TOO_LARGE, TOO_MANY_FILES...) and its HTTP status. */
export class UploadRefused extends AppError {
  constructor(
    readonly status: number,
    reason: string,
    message: string,
  ) {
    super('BAD_USER_INPUT', message, { reason });
  }

  /** Apollo answers with this HTTP status (and strips `http` from the response) when a resolver meets it. */
  override get extensions(): Record<string, unknown> {
    return { ...super.extensions, http: { status: this.status } };
  }
}

export const uploadRefused = (status: number, reason: string, message: string) => new UploadRefused(status, reason, message);
