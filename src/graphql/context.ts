import type { AppServices } from '../appServices.ts';
import { authenticate, type Viewer } from '../auth/tokens.ts';
import { unauthenticated } from '../errors.ts';

/** Per-request (HTTP) or per-connection (WebSocket) context. */
export interface GraphQLContext {
  services: AppServices;
  /** Resolves the caller or throws UNAUTHENTICATED; memoised. */
  viewer: () => Promise<Viewer>;
  /** Scheme, host and port clients reach this API at, for absolute links. */
  origin: string;
}

/**
 * `caller` is either the raw Authorization value (looked up at most once, when a resolver first
 * asks) or a viewer the transport has already authenticated (an upload request, a WebSocket).
 */
export function createContext(services: AppServices, caller: { authorization?: unknown; viewer?: Viewer }, origin: string): GraphQLContext {
  let resolved: Promise<Viewer | null> | undefined = caller.viewer ? Promise.resolve(caller.viewer) : undefined;
  return {
    services,
    origin,
    viewer: async () => {
      resolved ??= authenticate(services.pool, caller.authorization);
      const viewer = await resolved;
      if (!viewer) throw unauthenticated();
      return viewer;
    },
  };
}
