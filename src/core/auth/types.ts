/**
 * The token verification contract every format implements (DESIGN.md "Tokens"). Pure types: no I/O.
 *
 * A verifier checks a token's integrity and maps it onto common `Claims`; `checkClaims` then applies
 * the time, ACL and IP rules the same way for every format. Verifiers never throw on bad input: any
 * size or encoding of garbage is a `TokenFailure`.
 */
import type { Result } from '../result.ts';

export const TOKEN_FORMATS = ['jwt', 'edgeauth', 'cloudfront', 'securelink'] as const;
export type TokenFormat = (typeof TOKEN_FORMATS)[number];

/** Country lists a token carries for itself (ISO 3166-1 alpha-2, upper case). */
export interface GeoClaim {
  readonly allow?: readonly string[];
  readonly deny?: readonly string[];
}

/** What a verified token says, in seconds since the epoch. Unknown claims are dropped. */
export interface Claims {
  readonly exp?: number;
  readonly nbf?: number;
  readonly iat?: number;
  readonly sub?: string;
  readonly sid?: string;
  /** Path prefixes (`*` wildcard) the token opens. Absent: every path. */
  readonly acl?: readonly string[];
  /** Client address or CIDR (v4 or v6) the token is bound to. */
  readonly ip?: string;
  readonly geo?: GeoClaim;
}

/** Why a token was refused. Logged, never sent to the client (one generic body for all). */
export type TokenFailure =
  | { readonly reason: 'malformed'; readonly detail: string }
  | { readonly reason: 'bad-signature' }
  | { readonly reason: 'unknown-key'; readonly kid?: string }
  | { readonly reason: 'alg-not-allowed'; readonly alg: string }
  | { readonly reason: 'missing-exp' }
  | { readonly reason: 'expired'; readonly exp: number; readonly now: number }
  | { readonly reason: 'not-yet-valid'; readonly nbf: number; readonly now: number }
  | { readonly reason: 'issued-in-future'; readonly iat: number; readonly now: number }
  | { readonly reason: 'acl'; readonly path: string }
  | { readonly reason: 'ip'; readonly clientIp: string | undefined }
  | { readonly reason: 'key-unavailable'; readonly detail: string }
  /** Revoked through the control plane (issue 15) by token id, session or viewer. */
  | { readonly reason: 'revoked'; readonly by: 'jti' | 'sid' | 'sub' };

/** The request facts a verifier may bind a token to. */
export interface TokenRequest {
  /** Normalised path, token prefix already removed. */
  readonly path: string;
  /** Absolute URL without any token parameter (CloudFront canned policies sign the whole URL). */
  readonly url: string;
  readonly clientIp: string | undefined;
  /** Seconds since the epoch. */
  readonly now: number;
}

/** One token format. `looksLike` lets several formats share a path during a migration. */
export interface TokenVerifier {
  readonly format: TokenFormat;
  /** Cheap shape test; true does not mean valid. */
  looksLike(token: string): boolean;
  verify(token: string, request: TokenRequest): Promise<Result<Claims, TokenFailure>>;
}

/** Longest token we look at; larger input is refused before any parsing or crypto. */
export const MAX_TOKEN_LENGTH = 8192;
