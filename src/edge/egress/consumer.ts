/**
 * Queue consumer: egress records from the edge's Queue → the D1 ledger (`egress_records`).
 *
 * At-least-once delivery is made exact by keying rows on the Queue message id (INSERT OR IGNORE);
 * an `rtc` record pushed by a media server (routes/rtc-usage.ts) is keyed `rtc:<rtcSessionId>` instead,
 * so the same session re-sent in another request (another message) still makes one row.
 * A message whose body is not a record is acked and logged (retrying cannot fix it); a D1 failure
 * retries the whole batch. Bindings are typed structurally (only what we call).
 */
import { fromOurs } from '../../core/ledger/logpush.ts';
import type { EgressRecord } from '../../core/ledger/record.ts';
import { LEDGER_ADDED_COLUMNS, LEDGER_COLUMNS, LEDGER_SCHEMA, LEDGER_TENANT_INDEX } from './ledger-schema.ts';

export interface LedgerStatement {
  bind(...values: unknown[]): LedgerStatement;
  all<T>(): Promise<{ results: T[] }>;
}

/** The part of a D1Database we use. */
export interface LedgerDb {
  prepare(sql: string): LedgerStatement;
  batch(statements: LedgerStatement[]): Promise<unknown>;
}

export interface EgressMessage {
  readonly id: string;
  readonly body: unknown;
  ack(): void;
}

export interface EgressBatch {
  readonly messages: readonly EgressMessage[];
  retryAll(): void;
}

const INSERT = `INSERT OR IGNORE INTO egress_records (${LEDGER_COLUMNS.join(', ')}) VALUES (${LEDGER_COLUMNS.map(() => '?').join(', ')})`;

/** A schema file (the ledger's by default) as single statements (comments dropped), for prepare(). */
export function schemaStatements(schema: string = LEDGER_SCHEMA): string[] {
  return schema
    .split('\n')
    .filter((line) => !line.startsWith('--'))
    .join(' ')
    .split(';')
    .map((sql) => sql.replace(/\s+/g, ' ').trim())
    .filter((sql) => sql !== '');
}

/** The row key: the Queue message id, or the media server's session id for a WebRTC session record. */
export function ridOf(messageId: string, r: EgressRecord): string {
  return r.tier === 'rtc' && r.rtcSessionId !== undefined ? `rtc:${r.rtcSessionId}` : messageId;
}

/** Row values in LEDGER_COLUMNS order. */
export function ledgerRow(rid: string, r: EgressRecord): unknown[] {
  return [
    rid,
    r.ts,
    r.tier,
    r.status,
    r.cacheStatus,
    r.bytes,
    r.headerBytes,
    r.country ?? null,
    r.region ?? null,
    r.colo ?? null,
    r.contentKind,
    r.path,
    r.contentId,
    r.sessionId ?? null,
    r.viewer ?? null,
    r.originBytes,
    r.durationMs,
    r.aborted ? 1 : 0,
    r.cmcd ? JSON.stringify(r.cmcd) : null,
    r.tenant ?? null,
    r.asn ?? null,
    r.asOrganization ?? null,
  ];
}

/** 0001 as a batch, then the later columns this database lacks (ALTER TABLE is not idempotent). */
async function applySchema(db: LedgerDb): Promise<void> {
  await db.batch(schemaStatements().map((sql) => db.prepare(sql)));
  const info = await db.prepare('PRAGMA table_info(egress_records)').all<{ name: string }>();
  const have = new Set(info.results.map((c) => c.name));
  const missing = LEDGER_ADDED_COLUMNS.filter(([name]) => !have.has(name));
  await db.batch([
    ...missing.map(([name, type]) => db.prepare(`ALTER TABLE egress_records ADD COLUMN ${name} ${type}`)),
    db.prepare(LEDGER_TENANT_INDEX),
  ]);
}

/**
 * Creates the consumer. The schema is applied once per isolate (idempotent DDL), so a fresh local
 * D1 in wrangler dev works without a migration step.
 *
 * @example export default { queue: (batch, env) => consumer.consume(batch, env.LEDGER) }
 */
export function createLedgerConsumer() {
  let schemaReady: Promise<unknown> | undefined;
  return {
    async consume(batch: EgressBatch, db: LedgerDb): Promise<void> {
      const statements: LedgerStatement[] = [];
      for (const message of batch.messages) {
        const body = message.body;
        const record =
          typeof body === 'object' && body !== null
            ? fromOurs(body as Record<string, unknown>)
            : 'not an object';
        if (typeof record === 'string') {
          console.error(
            JSON.stringify({ level: 'error', event: 'egress-bad-message', id: message.id, reason: record }),
          );
          continue;
        }
        statements.push(db.prepare(INSERT).bind(...ledgerRow(ridOf(message.id, record), record)));
      }
      try {
        schemaReady ??= applySchema(db);
        await schemaReady;
        if (statements.length > 0) await db.batch(statements);
      } catch (error) {
        schemaReady = undefined;
        console.error(
          JSON.stringify({ level: 'error', event: 'egress-ledger-write-failed', reason: String(error) }),
        );
        batch.retryAll();
        return;
      }
      for (const message of batch.messages) message.ack();
    },
  };
}
