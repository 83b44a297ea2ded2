import type { Config } from '../config.ts';
import type { BlobStore } from './blobStore.ts';
import { LocalBlobStore } from './localBlobStore.ts';

/** The S3 store (and the AWS SDK) is loaded only when configured. */
export async function createBlobStore(config: Config): Promise<BlobStore> {
  if (!config.s3Bucket) return new LocalBlobStore(config.storageDir);
  const { S3BlobStore } = await import('./s3BlobStore.ts');
  return new S3BlobStore({
    bucket: config.s3Bucket,
    prefix: config.s3Prefix,
    region: config.s3Region,
    endpoint: config.s3Endpoint,
    forcePathStyle: config.s3ForcePathStyle,
    accessKeyId: config.s3AccessKeyId,
    secretAccessKey: config.s3SecretAccessKey,
  });
}
