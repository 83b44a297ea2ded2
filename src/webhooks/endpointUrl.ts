import { isDevelopment } from '../config.ts';
import { badInput } from '../errors.ts';
import { assertPublicHost, PrivateAddressRefused, urlHost } from './addressPolicy.ts';

/** Longest URL accepted for an endpoint. */
const MAX_URL_LENGTH = 2048;

/**
 * Whether webhook URLs must resolve to public addresses (see Config.webhookAllowPrivate): in production
 * mode (NODE_ENV=production, or anything but 'development', as everywhere in Bulkport) unless
 * WEBHOOK_ALLOW_PRIVATE=true. Secure by default: turning the guard off takes an explicit setting.
 */
export function guardsPrivateAddresses(config: { nodeEnv: string; webhookAllowPrivate: boolean }): boolean {
  return !isDevelopment(config) && !config.webhookAllowPrivate;
}

/**
 * The URL an endpoint is registered with, checked: absolute http or https, and, when private
 * addresses are guarded, a host that resolves now to public addresses only (each delivery checks
 * again: DNS can change). BAD_USER_INPUT with a reason: INVALID_URL, UNSUPPORTED_SCHEME,
 * UNRESOLVABLE_HOST or PRIVATE_ADDRESS.
 */
export async function checkEndpointUrl(raw: string, guardPrivate: boolean): Promise<string> {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw badInput(`'${raw.slice(0, 100)}' is not an absolute URL`, { reason: 'INVALID_URL' });
  }
  if (raw.length > MAX_URL_LENGTH) throw badInput(`the URL is longer than ${MAX_URL_LENGTH} characters`, { reason: 'INVALID_URL' });
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw badInput(`webhook URLs must use http or https, not ${url.protocol.replace(/:$/, '')}`, { reason: 'UNSUPPORTED_SCHEME' });
  }
  if (guardPrivate) {
    try {
      await assertPublicHost(urlHost(url));
    } catch (err) {
      if (err instanceof PrivateAddressRefused) throw badInput(err.message, { reason: 'PRIVATE_ADDRESS' }, { cause: err });
      throw badInput(`the host ${url.hostname} cannot be resolved`, { reason: 'UNRESOLVABLE_HOST' }, { cause: err });
    }
  }
  return url.toString();
}
