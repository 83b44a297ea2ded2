import type { Config } from '../config.ts';
import type { BlobStore } from './blobStore.ts';
import { LocalBlobStore } from './localBlobStore.ts';
import { S3BlobStore } from './s3BlobStore.ts';

export function createBlobStore(config: Config): BlobStore {
  if (!config.s3Bucket) return new LocalBlobStore(config.storageDir);
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
