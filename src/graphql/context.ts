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

export function createContext(services: AppServices, authorization: unknown, origin: string): GraphQLContext {
  let resolved: Promise<Viewer | null> | undefined;
  return {
    services,
    origin,
    viewer: async () => {
      resolved ??= authenticate(services.prisma, authorization);
      const viewer = await resolved;
      if (!viewer) throw unauthenticated();
      return viewer;
    },
  };
}
