/**
 * The hono environment type shared by the edge app, its middleware and routes.
 *
 * `Bindings` is deliberately empty: index.ts is the only reader of the Worker `env` and passes parsed
 * config to factories as arguments, so no handler can reach a raw binding.
 */
import type { GeoClaim } from '../core/auth/types.ts';
import type { ControlSnapshot } from '../core/control/snapshot.ts';

/** Where a viewer token arrived; playlist rewriting writes it back in the same form. */
export type TokenSource = 'path' | 'query' | 'cookie' | 'header';

/** Set by the auth middleware once a viewer token has been verified. */
export interface ViewerAuth {
  /** The token exactly as presented (already verified). Never forwarded to the shield or cached. */
  readonly token: string;
  readonly source: TokenSource;
  /** Query parameter name the token travels in when `source` is 'query' (configurable; default `token`). */
  readonly queryParam: string;
  /** Token `sub` claim (viewer or content id), when present. */
  readonly sub?: string;
  /** Token `sid` claim (session id), when present. */
  readonly sid?: string;
  /** Token `geo` claim (country allow/deny lists), enforced by the geo gate. */
  readonly geo?: GeoClaim;
  /** Token `acl` claim: WHIP publishing needs an entry written for `/whip/…` (core/webrtc/edge-rules.ts). */
  readonly acl?: readonly string[];
}

/** The viewer's location as the platform reports it (request.cf in Workers). */
export interface ViewerGeo {
  /** ISO 3166-1 alpha-2, or `XX` unknown, `T1` Tor. */
  readonly country: string;
  /** ISO 3166-2 subdivision code without the country prefix (e.g. `CA` for US-CA), when known. */
  readonly region?: string;
  readonly colo?: string;
}

export interface EdgeVariables {
  /**
   * The normalised request path, set by the path guard before anything else reads the path. The path
   * guard also strips a `/~t/<token>` prefix from it, so routes, cache keys, logs and egress records
   * never see a token (not even for a 405 or a preflight, which never reach auth).
   */
  path: string;
  /** The token of a `/~t/<token>/…` path prefix, kept by the path guard for the auth middleware only. */
  pathToken: string | undefined;
  /** Verified viewer token, when the request carried one (unset on /healthz and when auth is off). */
  viewer: ViewerAuth | undefined;
  /** Viewer location (set before auth/geo run); undefined when the platform gives none. */
  geo: ViewerGeo | undefined;
  /** The control store's copy for this request (issue 15); undefined without a CONTROL store. */
  control: ControlSnapshot | undefined;
}

export interface EdgeHonoEnv {
  Bindings: Record<string, never>;
  Variables: EdgeVariables;
}
