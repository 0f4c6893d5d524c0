/**
 * The D1 ledger schema, as code so the consumer can create the table on first use in wrangler dev
 * (no separate migration step for local runs). Must stay byte-identical to
 * migrations/0001_egress_records.sql (a test compares them); production applies that file with
 * `wrangler d1 migrations apply LEDGER`.
 */
export const LEDGER_SCHEMA = `-- Egress ledger (issue 8): one row per edge response, written by the Queue consumer
-- (src/edge/egress/consumer.ts). Keep identical to LEDGER_SCHEMA in ledger-schema.ts.
CREATE TABLE IF NOT EXISTS egress_records (
  rid TEXT PRIMARY KEY,
  ts INTEGER NOT NULL,
  tier TEXT NOT NULL,
  status INTEGER NOT NULL,
  cacheStatus TEXT NOT NULL,
  bytes INTEGER NOT NULL,
  headerBytes INTEGER NOT NULL,
  country TEXT,
  region TEXT,
  colo TEXT,
  contentKind TEXT NOT NULL,
  path TEXT NOT NULL,
  contentId TEXT NOT NULL,
  sessionId TEXT,
  viewer TEXT,
  originBytes INTEGER NOT NULL,
  durationMs INTEGER NOT NULL,
  aborted INTEGER NOT NULL DEFAULT 0,
  cmcd TEXT
);
CREATE INDEX IF NOT EXISTS egress_records_ts ON egress_records (ts);
CREATE INDEX IF NOT EXISTS egress_records_session ON egress_records (sessionId);
`;

/**
 * Columns in insert order; `rid` is the Queue message id (`rtc:<rtcSessionId>` for a WebRTC session),
 * so a redelivered message or a re-sent session is ignored.
 */
export const LEDGER_COLUMNS = [
  'rid',
  'ts',
  'tier',
  'status',
  'cacheStatus',
  'bytes',
  'headerBytes',
  'country',
  'region',
  'colo',
  'contentKind',
  'path',
  'contentId',
  'sessionId',
  'viewer',
  'originBytes',
  'durationMs',
  'aborted',
  'cmcd',
  'tenant',
  'asn',
  'asOrganization',
] as const;

/**
 * Columns added after 0001 (migrations/0002_tenant_network.sql, a test compares them), with their
 * SQL type; the consumer adds the ones a database lacks, then creates LEDGER_TENANT_INDEX.
 */
export const LEDGER_ADDED_COLUMNS = [
  ['tenant', 'TEXT'],
  ['asn', 'INTEGER'],
  ['asOrganization', 'TEXT'],
] as const;
export const LEDGER_TENANT_INDEX =
  'CREATE INDEX IF NOT EXISTS egress_records_tenant ON egress_records (tenant, ts)';
