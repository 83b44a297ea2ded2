import { PassThrough, type Readable } from 'node:stream';
import { DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { ByteLimit, type BlobStore, type SignedUrlOptions } from './blobStore.ts';

export interface S3Options {
  bucket: string;
  /** Key prefix inside the bucket, e.g. 'bulkport/'. */
  prefix: string;
  region: string;
  /** For S3-compatible stores (MinIO, R2, ...). */
  endpoint?: string;
  forcePathStyle: boolean;
  accessKeyId?: string;
  secretAccessKey?: string;
}

/**
 * Blob store on S3 or any S3-compatible service. Objects appear only when a (multipart) upload
 * completes, which gives the same "complete or absent" guarantee as the local store's rename.
 */
export class S3BlobStore implements BlobStore {
  private readonly client: S3Client;

  constructor(private readonly o: S3Options) {
    this.client = new S3Client({
      region: o.region,
      endpoint: o.endpoint,
      forcePathStyle: o.forcePathStyle,
      credentials: o.accessKeyId && o.secretAccessKey ? { accessKeyId: o.accessKeyId, secretAccessKey: o.secretAccessKey } : undefined,
    });
  }

  private key(key: string): string {
    return this.o.prefix + key;
  }

  async put(key: string, source: Readable, options: { maxBytes?: number } = {}): Promise<{ bytes: number }> {
    const counted = new ByteLimit(options.maxBytes ?? Infinity);
    source.on('error', (err) => counted.destroy(err));
    const upload = new Upload({ client: this.client, params: { Bucket: this.o.bucket, Key: this.key(key), Body: source.pipe(counted) } });
    const failed = new Promise<never>((_, reject) => counted.on('error', reject));
    try {
      await Promise.race([upload.done(), failed]);
      return { bytes: counted.bytes };
    } catch (err) {
      await upload.abort().catch(() => undefined);
      throw err;
    }
  }

  read(key: string): Readable {
    const out = new PassThrough();
    this.client
      .send(new GetObjectCommand({ Bucket: this.o.bucket, Key: this.key(key) }))
      .then((res) => (res.Body as Readable).on('error', (e) => out.destroy(e)).pipe(out))
      .catch((err: Error & { name?: string }) => {
        out.destroy(err.name === 'NoSuchKey' ? Object.assign(new Error(`no object '${key}'`), { code: 'ENOENT' }) : err);
      });
    return out;
  }

  async size(key: string): Promise<number | null> {
    try {
      const head = await this.client.send(new HeadObjectCommand({ Bucket: this.o.bucket, Key: this.key(key) }));
      return head.ContentLength ?? 0;
    } catch (err) {
      if ((err as { name?: string }).name === 'NotFound' || (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404) return null;
      throw err;
    }
  }

  async delete(key: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.o.bucket, Key: this.key(key) }));
  }

  /** A real presigned GET: S3 itself refuses it (403) once expired or altered. */
  async signedUrl(key: string, o: SignedUrlOptions): Promise<string> {
    const command = new GetObjectCommand({
      Bucket: this.o.bucket,
      Key: this.key(key),
      ResponseContentType: o.contentType,
      ResponseContentDisposition: `attachment; filename="${o.fileName}"`,
    });
    return getSignedUrl(this.client, command, { expiresIn: o.expiresInSeconds });
  }
}
