/**
 * TLS helpers of the shield bench: one self-signed certificate made by openssl in a temp dir (the
 * shield and nginx get the same one), and small GETs that accept it. Bench-only: these clients trust
 * any certificate and must never be used outside 127.0.0.1.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { get as httpGet, type IncomingMessage } from 'node:http';
import { get as httpsGet } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** PEM files of one certificate and its key. */
export interface TlsFiles {
  readonly cert: string;
  readonly key: string;
}

/**
 * A P-256 certificate for 127.0.0.1 valid for a day, in a fresh temp dir; `remove()` deletes it.
 * `undefined` (with the reason) when openssl is missing or fails.
 *
 * @example const tls = makeSelfSignedCert(); if ('cert' in tls) …; tls.remove();
 */
export function makeSelfSignedCert(): (TlsFiles & { remove(): void }) | { readonly error: string } {
  const dir = mkdtempSync(join(tmpdir(), 'edgeshield-tls-'));
  const files = { cert: join(dir, 'cert.pem'), key: join(dir, 'key.pem') };
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
        '-keyout',
        files.key,
        '-out',
        files.cert,
      ],
      { stdio: 'ignore', timeout: 30_000 },
    );
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    return { error: `openssl could not make a certificate: ${e instanceof Error ? e.message : String(e)}` };
  }
  return { ...files, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * GETs `url` (http or https, any certificate) and resolves with the status and the body length; rejects
 * on a connection or TLS failure.
 *
 * @example await getInsecure('https://127.0.0.1:8443/hit/1mb.ts') // { status: 200, bytes: 1048576 }
 */
export function getInsecure(url: string, timeoutMs = 10_000): Promise<{ status: number; bytes: number }> {
  return new Promise((resolve, reject) => {
    const onResponse = (res: IncomingMessage) => {
      let bytes = 0;
      res.on('data', (c: Buffer) => {
        bytes += c.length;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, bytes }));
      res.on('error', reject);
    };
    const options = { timeout: timeoutMs, agent: false } as const;
    const req = url.startsWith('https:')
      ? httpsGet(url, { ...options, rejectUnauthorized: false }, onResponse)
      : httpGet(url, options, onResponse);
    req.on('timeout', () => req.destroy(new Error(`timed out: ${url}`)));
    req.on('error', reject);
  });
}

/** Whether `url` answers 2xx now. */
export async function answers(url: string): Promise<boolean> {
  try {
    const { status } = await getInsecure(url, 2_000);
    return status >= 200 && status < 300;
  } catch {
    return false;
  }
}
