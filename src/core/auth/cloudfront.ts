/**
 * Amazon CloudFront signed URLs and signed cookies: canned policy (`Expires`) or custom policy
 * (`Policy`), `Signature` (RSA-SHA1 over the policy JSON, base64 with CloudFront's `-_~` alphabet) and
 * `Key-Pair-Id` selecting the public key. Carried natively as query parameters or `CloudFront-*`
 * cookies; inside our token sources as `Expires=…&Signature=…&Key-Pair-Id=…`. Pure apart from `subtle`.
 */
import { err, ok, type Result } from '../result.ts';
import { globMatches } from './acl.ts';
import { fromBase64Any, toBase64, utf8, utf8Decode } from './bytes.ts';
import { fieldsInOrder, parseFields } from './query-string.ts';
import { type AlgorithmParams, importKey, pemToDer, type SubtleLike } from './subtle.ts';
import { type Claims, MAX_TOKEN_LENGTH, type TokenFailure, type TokenVerifier } from './types.ts';

const RSA_SHA1: AlgorithmParams = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-1' };

/** Query parameters (and, prefixed `CloudFront-`, cookie names) a CloudFront token uses. */
export const CLOUDFRONT_FIELDS = ['Expires', 'Policy', 'Signature', 'Key-Pair-Id'] as const;

const CANNED_ORDER = ['Expires', 'Signature', 'Key-Pair-Id'] as const;
const CUSTOM_ORDER = ['Policy', 'Signature', 'Key-Pair-Id'] as const;

export interface CloudFrontOptions {
  /** Key-Pair-Id (public key id) → SPKI PEM public key. */
  readonly keys: Readonly<Record<string, string>>;
  readonly subtle: SubtleLike;
}

/** CloudFront's base64: `+`→`-`, `=`→`_`, `/`→`~` (query-safe without escaping). */
export function cloudFrontBase64(bytes: Uint8Array): string {
  return toBase64(bytes).replace(/\+/g, '-').replace(/=/g, '_').replace(/\//g, '~');
}

/** The canned policy CloudFront signs for `resource` until `expires` (no whitespace, this order). */
export function cannedPolicy(resource: string, expires: number): string {
  return `{"Statement":[{"Resource":${JSON.stringify(resource)},"Condition":{"DateLessThan":{"AWS:EpochTime":${expires}}}}]}`;
}

/** @example createCloudFrontVerifier({ keys: { K2JCJMDEHXQW5F: pem }, subtle: crypto.subtle }) */
export function createCloudFrontVerifier(options: CloudFrontOptions): TokenVerifier {
  const imported = new Map<string, Promise<unknown>>();
  for (const [id, pem] of Object.entries(options.keys)) {
    if (!pemToDer(pem, fromBase64Any)) throw new TypeError(`cloudfront key ${id}: expected an SPKI PEM`);
  }
  const keyFor = (id: string): Promise<unknown> | undefined => {
    const pem = options.keys[id];
    if (pem === undefined || !Object.hasOwn(options.keys, id)) return undefined;
    let key = imported.get(id);
    if (!key) {
      const der = pemToDer(pem, fromBase64Any) ?? new Uint8Array();
      key = importKey(options.subtle, 'spki', der, RSA_SHA1, ['verify']);
      imported.set(id, key);
    }
    return key;
  };
  return {
    format: 'cloudfront',
    looksLike: (token) => token.includes('Signature=') && token.includes('Key-Pair-Id='),
    async verify(token, request): Promise<Result<Claims, TokenFailure>> {
      if (token.length > MAX_TOKEN_LENGTH) return err({ reason: 'malformed', detail: 'too long' });
      const parsed = parseFields(token);
      // The order CloudFront's signers emit; a repeated field already made parseFields refuse.
      const f =
        parsed &&
        (fieldsInOrder(parsed, CANNED_ORDER) || fieldsInOrder(parsed, CUSTOM_ORDER) ? parsed : undefined);
      const signatureText = f?.get('Signature') ?? '';
      const decoded = fromBase64Any(signatureText);
      // Canonical encoding only (CloudFront's alphabet, `_` padding as AWS emits it): no malleable spellings.
      const canonical = decoded && cloudFrontBase64(decoded);
      const signature = canonical === signatureText ? decoded : undefined;
      const keyId = f?.get('Key-Pair-Id') ?? '';
      if (!f || !signature || signature.length === 0)
        return err({ reason: 'malformed', detail: 'signature' });
      const expiresText = f.get('Expires');
      const policyText = f.get('Policy');
      let policy: string;
      if (policyText !== undefined) {
        const bytes = fromBase64Any(policyText);
        const spelled = bytes && cloudFrontBase64(bytes);
        const decoded = bytes && spelled === policyText ? utf8Decode(bytes) : undefined;
        if (decoded === undefined) return err({ reason: 'malformed', detail: 'policy encoding' });
        policy = decoded;
      } else if (expiresText !== undefined && /^\d{1,12}$/.test(expiresText)) {
        policy = cannedPolicy(request.url, Number(expiresText));
      } else return err({ reason: 'malformed', detail: 'neither Policy nor Expires' });
      const key = keyFor(keyId);
      if (!key) return err({ reason: 'unknown-key', kid: keyId.slice(0, 64) });
      let valid: boolean;
      try {
        valid = await options.subtle.verify(RSA_SHA1, await key, signature, utf8(policy));
      } catch {
        return err({ reason: 'bad-signature' });
      }
      if (!valid) return err({ reason: 'bad-signature' });
      return claimsFromPolicy(policy, request.url);
    },
  };
}

/** Reads the one statement CloudFront allows: Resource glob, DateLessThan, DateGreaterThan, SourceIp. */
function claimsFromPolicy(policy: string, url: string): Result<Claims, TokenFailure> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(policy);
  } catch {
    return err({ reason: 'malformed', detail: 'policy is not JSON' });
  }
  const statement = (parsed as { Statement?: unknown } | null)?.Statement;
  const first = Array.isArray(statement) && statement.length === 1 ? (statement[0] as unknown) : undefined;
  if (typeof first !== 'object' || first === null) return err({ reason: 'malformed', detail: 'statement' });
  const s = first as { Resource?: unknown; Condition?: Record<string, Record<string, unknown> | undefined> };
  const exp = s.Condition?.DateLessThan?.['AWS:EpochTime'];
  const nbf = s.Condition?.DateGreaterThan?.['AWS:EpochTime'];
  const ip = s.Condition?.IpAddress?.['AWS:SourceIp'];
  if (typeof exp !== 'number') return err({ reason: 'missing-exp' });
  if ((nbf !== undefined && typeof nbf !== 'number') || (ip !== undefined && typeof ip !== 'string'))
    return err({ reason: 'malformed', detail: 'condition types' });
  const resource = s.Resource === undefined ? '*' : s.Resource;
  if (typeof resource !== 'string') return err({ reason: 'malformed', detail: 'resource' });
  if (!globMatches(resource, url)) return err({ reason: 'acl', path: url });
  return ok({ exp, ...(nbf !== undefined ? { nbf } : {}), ...(ip !== undefined ? { ip } : {}) });
}

export interface CloudFrontSignOptions {
  readonly keyPairId: string;
  /** PKCS#8 PEM private key. */
  readonly privateKeyPem: string;
  readonly resource: string;
  readonly exp: number;
  readonly nbf?: number;
  readonly ip?: string;
  /** Custom policy even when a canned one would do (needed for wildcards, nbf, ip). */
  readonly custom?: boolean;
}

/** `Expires|Policy=…&Signature=…&Key-Pair-Id=…` exactly as CloudFront's own signers produce. */
export async function signCloudFront(subtle: SubtleLike, o: CloudFrontSignOptions): Promise<string> {
  const der = pemToDer(o.privateKeyPem, fromBase64Any);
  if (!der) throw new TypeError('cloudfront private key: expected a PKCS#8 PEM');
  const key = await importKey(subtle, 'pkcs8', der, RSA_SHA1, ['sign']);
  const custom = o.custom === true || o.nbf !== undefined || o.ip !== undefined || o.resource.includes('*');
  const condition = {
    DateLessThan: { 'AWS:EpochTime': o.exp },
    ...(o.nbf !== undefined ? { DateGreaterThan: { 'AWS:EpochTime': o.nbf } } : {}),
    ...(o.ip !== undefined ? { IpAddress: { 'AWS:SourceIp': o.ip } } : {}),
  };
  const policy = custom
    ? JSON.stringify({ Statement: [{ Resource: o.resource, Condition: condition }] })
    : cannedPolicy(o.resource, o.exp);
  const signature = cloudFrontBase64(new Uint8Array(await subtle.sign(RSA_SHA1, key, utf8(policy))));
  const head = custom ? `Policy=${cloudFrontBase64(utf8(policy))}` : `Expires=${o.exp}`;
  return `${head}&Signature=${signature}&Key-Pair-Id=${o.keyPairId}`;
}
