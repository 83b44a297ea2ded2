import type { IncomingMessage } from 'node:http';
import { PassThrough, type Readable } from 'node:stream';
import busboy from 'busboy';
import { Upload as LibraryUpload } from 'graphql-upload-minimal';
import type { AppError } from '../../errors.ts';
import { placeUpload, readMap, readOperations, type GraphQLOperation } from './multipartFields.ts';
import { fileNameProblem } from './uploadFileName.ts';
import { uploadRefused, UploadRefused } from './uploadRefused.ts';

/** What a GraphQL multipart request may carry. */
export interface MultipartLimits {
  /** Largest file in bytes; one more byte is read so the store can tell "too large" (it enforces the limit). */
  maxFileBytes: number;
  /** Files per request. */
  maxFiles: number;
  /** Largest `operations` or `map` field in bytes. */
  maxFieldBytes: number;
}

/**
 * graphql-upload-minimal's Upload: its GraphQLUpload scalar accepts only instances of this class.
 * Its type declarations omit the settle functions the class has.
 */
type Upload = LibraryUpload & { resolve(file: UploadedFile): void; reject(error: Error): void };
const newUpload = () => new LibraryUpload() as Upload;

/** The file object graphql-upload-minimal's Upload scalar resolves to, as resolvers read it. */
export interface UploadedFile {
  filename: string;
  mimetype: string;
  encoding: string;
  createReadStream(): Readable;
}

/**
 * Parses a GraphQL multipart request (https://github.com/jaydenseric/graphql-multipart-request-spec)
 * and resolves with the operation, its file placeholders replaced by Upload values, as soon as the
 * `map` field is read: the resolver streams the file while the rest of the body arrives.
 *
 * INVARIANTS, which graphql-upload-minimal's own parser does not keep:
 * - EVERY error the parser, the request or a file stream emits, at any time, is handled: it fails
 *   the request or the upload it concerns, never the process (busboy can emit a second error after
 *   being destroyed; a `once` listener left that one unhandled and it killed the server).
 * - A file stream ends only once the WHOLE request has been parsed without error, so a consumer that
 *   stored the file and then sees the stream end knows the request was well formed: a part that
 *   arrives late (a second file, a broken header) fails the upload before anything is committed.
 * - Each file maps to exactly one place in the operation; a request cannot start two imports with one file.
 */
export interface ParsedMultipartRequest {
  operation: GraphQLOperation;
  /**
   * Call once the response is sent: a file nobody read to the end (the operation failed first) is
   * read and discarded, so busboy reaches the end of the body and the connection can be reused.
   */
  release(): void;
}

export function parseMultipartRequest(req: IncomingMessage, limits: MultipartLimits): Promise<ParsedMultipartRequest> {
  return new Promise((resolve, reject) => {
    let parser: busboy.Busboy;
    try {
      parser = busboy({
        headers: req.headers,
        defParamCharset: 'utf8',
        limits: { fieldSize: limits.maxFieldBytes, fields: 2, fileSize: limits.maxFileBytes, files: limits.maxFiles, headerPairs: 20 },
      });
    } catch (err) {
      reject(uploadRefused(400, 'MALFORMED_MULTIPART', `malformed multipart request: ${(err as Error).message}`));
      return;
    }

    let operations: GraphQLOperation | undefined;
    /** File field name → its Upload and, once the part arrives, the stream handed to the resolver. */
    let uploads: Map<string, { upload: Upload; out?: PassThrough; part?: Readable }> | undefined;
    let failure: AppError | undefined;
    let released = false;

    const discard = (entry: { out?: PassThrough; part?: Readable }) => {
      if (!entry.part || entry.part.readableEnded) return;
      entry.part.unpipe();
      entry.part.resume();
      entry.out?.destroy();
    };
    const release = () => {
      released = true;
      for (const entry of uploads?.values() ?? []) discard(entry);
      if (failure) drain(req);
    };

    const fail = (error: AppError) => {
      if (failure) return;
      failure = error;
      reject(error); // no effect once resolved: then the uploads carry the error
      if (uploads) {
        for (const { upload, out } of uploads.values()) {
          if (out) out.destroy(error);
          else upload.reject(error);
        }
      }
      req.unpipe(parser);
      parser.destroy();
      // Let the client finish sending, so it reads our answer instead of a reset connection.
      drain(req);
    };
    const parserError = (err: unknown) => fail(uploadRefused(400, 'MALFORMED_MULTIPART', `malformed multipart request: ${explain(err)}`));

    // `on`, not `once`: busboy may emit again after destroy(), and an unhandled 'error' ends the process.
    parser.on('error', parserError);
    req.on('error', parserError);
    req.on('aborted', () => fail(uploadRefused(499, 'UPLOAD_FAILED', 'the request was closed before the file was received')));

    parser.on('field', (name, value, info) => {
      if (failure) return;
      if (info.valueTruncated) return fail(uploadRefused(413, 'FIELD_TOO_LARGE', `the '${name}' field is larger than the ${limits.maxFieldBytes}-byte limit`));
      try {
        if (name === 'operations' && !operations) operations = readOperations(value);
        else if (name === 'map' && operations && !uploads) {
          const map = readMap(value, limits.maxFiles);
          uploads = new Map();
          for (const [field, path] of map) {
            const upload = newUpload();
            placeUpload(operations, path, upload);
            uploads.set(field, { upload });
          }
          resolve({ operation: operations, release });
        } else if (uploads?.has(name)) {
          // A broken filename (a line break, NUL...) makes busboy take the file part for a text field.
          fail(uploadRefused(400, 'INVALID_FILE_NAME', `part '${name}' must be a file with a valid filename (no line breaks or control characters)`));
        } else {
          fail(uploadRefused(400, 'MALFORMED_MULTIPART', `unexpected multipart field '${name}': send 'operations', then 'map', then the files`));
        }
      } catch (err) {
        fail(err instanceof UploadRefused ? err : uploadRefused(400, 'MALFORMED_MULTIPART', String(err)));
      }
    });

    parser.on('file', (name, stream, info) => {
      stream.on('error', () => undefined); // errors reach the consumer through `out`
      const entry = uploads?.get(name);
      if (failure || !entry || entry.out) {
        stream.resume();
        if (!failure) {
          fail(
            !uploads
              ? uploadRefused(400, 'MALFORMED_MULTIPART', "misordered multipart request: the files must follow the 'operations' and 'map' fields")
              : uploadRefused(
                  413,
                  'TOO_MANY_FILES',
                  `this request may carry ${limits.maxFiles === 1 ? 'one file' : `${limits.maxFiles} files`}, each named in 'map'; part '${name}' is not`,
                ),
          );
        }
        return;
      }
      const problem = fileNameProblem(info.filename);
      const filename = info.filename ?? '';
      if (problem) {
        stream.resume();
        return fail(uploadRefused(400, 'INVALID_FILE_NAME', problem));
      }
      const out = new PassThrough();
      // Its consumer sees a failure through destroy(); this listener only keeps an unread one from crashing the process.
      out.on('error', () => undefined);
      entry.out = out;
      entry.part = stream;
      if (released) return discard(entry);
      stream.on('limit', () => out.destroy(uploadRefused(413, 'FILE_TOO_LARGE', 'the file is larger than the upload limit')));
      // The end is held back until the whole request has been read (see INVARIANTS).
      stream.pipe(out, { end: false });
      entry.upload.resolve({
        filename,
        mimetype: info.mimeType,
        encoding: info.encoding,
        createReadStream: () => out,
      } satisfies UploadedFile);
    });

    parser.on('filesLimit', () => fail(uploadRefused(413, 'TOO_MANY_FILES', `this request may carry at most ${limits.maxFiles} file(s)`)));
    parser.on('fieldsLimit', () =>
      fail(uploadRefused(400, 'MALFORMED_MULTIPART', "a multipart request has two fields, 'operations' and 'map', before its files")),
    );

    parser.on('close', () => {
      if (failure) return;
      if (!operations) return fail(uploadRefused(400, 'MALFORMED_MULTIPART', "the multipart request has no 'operations' field"));
      if (!uploads) return fail(uploadRefused(400, 'MALFORMED_MULTIPART', "the multipart request has no 'map' field"));
      for (const [name, entry] of uploads) {
        if (!entry.out) return fail(uploadRefused(400, 'FILE_MISSING', `the file for part '${name}' named in 'map' is missing from the request`));
      }
      for (const entry of uploads.values()) entry.out!.end();
    });

    req.pipe(parser);
  });
}

/** busboy's messages, in words that tell the sender what to fix. */
function explain(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  if (message === 'Malformed part header')
    return 'a part header is malformed or longer than 16 KB (a filename with a line break or a control character does this)';
  if (message === 'Unexpected end of form' || message === 'Unexpected end of file') return 'the body ended before the closing boundary';
  return message;
}

/** Reads and discards what is left of a request body, so the connection can answer and be reused. */
export function drain(req: IncomingMessage): void {
  req.on('error', () => undefined);
  req.resume();
}
