-- Control plane store (issue 15): tenants, API keys, signing keys, path prefixes, geo rules, manifest
-- policies, price tables, revocations and the audit log. Every time is whole seconds since the epoch.
-- JSON columns hold the same formats as the wrangler.toml vars (GEO_RULES, MANIFEST_POLICIES, a
-- --prices table), validated by the same parsers before they are written.
-- The Worker applies this file itself on first use (src/edge/control/store.ts): keep it idempotent.
CREATE TABLE IF NOT EXISTS tenants (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
-- API keys are stored as the SHA-256 of the secret part only; tenant_id NULL = every tenant.
CREATE TABLE IF NOT EXISTS api_keys (
  id TEXT PRIMARY KEY,
  tenant_id TEXT REFERENCES tenants (id) ON DELETE CASCADE,
  secret_sha256 TEXT NOT NULL,
  scopes TEXT NOT NULL,
  label TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL,
  revoked_at INTEGER
);
-- One tenant key is active (signs), at most one is next (published, verifies), retired ones verify
-- until the tokens they signed have expired (retired_at + max token lifetime).
CREATE TABLE IF NOT EXISTS signing_keys (
  kid TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  alg TEXT NOT NULL,
  public_jwk TEXT NOT NULL,
  private_jwk TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('next', 'active', 'retired')),
  created_at INTEGER NOT NULL,
  retired_at INTEGER
);
CREATE INDEX IF NOT EXISTS signing_keys_tenant ON signing_keys (tenant_id, state);
-- A path prefix belongs to exactly one tenant; tokens of its keys open nothing outside its prefixes.
CREATE TABLE IF NOT EXISTS prefixes (
  prefix TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  created_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS geo_rules (
  tenant_id TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  prefix TEXT NOT NULL,
  rules TEXT NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (tenant_id, prefix)
);
CREATE TABLE IF NOT EXISTS manifest_policies (
  tenant_id TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  prefix TEXT NOT NULL,
  policies TEXT NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (tenant_id, prefix)
);
CREATE TABLE IF NOT EXISTS price_tables (
  tenant_id TEXT PRIMARY KEY REFERENCES tenants (id) ON DELETE CASCADE,
  price_table TEXT NOT NULL,
  updated_at INTEGER NOT NULL
);
-- tenant_id '' = a revocation for every tenant (operator keys only). Rows past their until are dead.
CREATE TABLE IF NOT EXISTS revocations (
  tenant_id TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('jti', 'sid', 'sub')),
  value TEXT NOT NULL,
  until INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (tenant_id, kind, value)
);
CREATE INDEX IF NOT EXISTS revocations_until ON revocations (until);
-- Append-only: who (API key id or "admin"), what, when. No foreign key: it outlives what it names.
CREATE TABLE IF NOT EXISTS audit_log (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  ts INTEGER NOT NULL,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  tenant_id TEXT,
  resource TEXT NOT NULL,
  detail TEXT
);
CREATE INDEX IF NOT EXISTS audit_log_tenant ON audit_log (tenant_id, ts);
