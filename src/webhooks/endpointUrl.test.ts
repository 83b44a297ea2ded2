import { describe, expect, it } from 'vitest';
import { checkEndpointUrl, guardsPrivateAddresses } from './endpointUrl.ts';

describe('guardsPrivateAddresses', () => {
  it('guards in production mode unless WEBHOOK_ALLOW_PRIVATE=true, and never in development', () => {
    expect(guardsPrivateAddresses({ nodeEnv: 'production', webhookAllowPrivate: false })).toBe(true);
    expect(guardsPrivateAddresses({ nodeEnv: 'staging', webhookAllowPrivate: false })).toBe(true);
    expect(guardsPrivateAddresses({ nodeEnv: 'production', webhookAllowPrivate: true })).toBe(false);
    expect(guardsPrivateAddresses({ nodeEnv: 'development', webhookAllowPrivate: false })).toBe(false);
  });
});

describe('checkEndpointUrl', () => {
  it('accepts a loopback receiver when private addresses are not guarded', async () => {
    await expect(checkEndpointUrl('http://127.0.0.1:9000/hooks', false)).resolves.toBe('http://127.0.0.1:9000/hooks');
  });

  it('refuses it, with the reason PRIVATE_ADDRESS, when they are', async () => {
    await expect(checkEndpointUrl('http://127.0.0.1:9000/hooks', true)).rejects.toMatchObject({
      code: 'BAD_USER_INPUT',
      details: { reason: 'PRIVATE_ADDRESS' },
    });
  });

  it('refuses schemes other than http and https, and text that is not a URL', async () => {
    await expect(checkEndpointUrl('file:///etc/passwd', false)).rejects.toMatchObject({ details: { reason: 'UNSUPPORTED_SCHEME' } });
    await expect(checkEndpointUrl('gopher://example.com/', false)).rejects.toMatchObject({ details: { reason: 'UNSUPPORTED_SCHEME' } });
    await expect(checkEndpointUrl('/relative/path', false)).rejects.toMatchObject({ details: { reason: 'INVALID_URL' } });
  });
});
