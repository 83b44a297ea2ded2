import { describe, expect, it } from 'vitest';
import { checkLink, downloadPath, signature } from './downloadLinks.ts';

const claims = { jobId: '8c1f0b4e-0000-4000-8000-000000000001', workspaceId: 'ws-a', expires: 2_000_000_000 };

describe('download links', () => {
  it('should accept its own signature until the expiry and refuse it after', () => {
    const sig = signature('k', claims);
    expect(checkLink('k', claims, sig, 1_000_000_000_000)).toBe('ok');
    expect(checkLink('k', claims, sig, 2_000_000_001_000)).toBe('expired');
  });

  it('should refuse a signature made for another job, workspace, expiry or key', () => {
    const sig = signature('k', claims);
    expect(checkLink('k', { ...claims, jobId: claims.jobId.replace('1', '2') }, sig)).toBe('invalid');
    expect(checkLink('k', { ...claims, workspaceId: 'ws-b' }, sig)).toBe('invalid');
    expect(checkLink('k', { ...claims, expires: claims.expires + 1 }, sig)).toBe('invalid');
    expect(checkLink('other', claims, sig)).toBe('invalid');
    expect(checkLink('k', claims, sig.slice(1))).toBe('invalid');
  });

  it('should put job, expiry and signature in the path', () => {
    expect(downloadPath('k', claims)).toBe(`/files/${claims.jobId}?expires=${claims.expires}&sig=${signature('k', claims)}`);
  });

  it('should sign which file a link opens: an export link does not open the failed rows, nor the reverse', () => {
    const failed = { ...claims, file: 'failed-rows' as const };
    expect(checkLink('k', failed, signature('k', claims))).toBe('invalid');
    expect(checkLink('k', claims, signature('k', failed))).toBe('invalid');
    expect(checkLink('k', failed, signature('k', failed), 1_000_000_000_000)).toBe('ok');
    expect(downloadPath('k', failed)).toBe(`/files/${claims.jobId}/failed-rows?expires=${claims.expires}&sig=${signature('k', failed)}`);
  });
});
