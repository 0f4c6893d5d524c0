-- Billing (issue 15): the control-plane tenant owning the path and the viewer's network per record.
-- The Queue consumer adds missing columns itself (src/edge/egress/consumer.ts, LEDGER_ADDED_COLUMNS),
-- so local runs need no step; in production apply this before deploying a Worker that writes them.
ALTER TABLE egress_records ADD COLUMN tenant TEXT;
ALTER TABLE egress_records ADD COLUMN asn INTEGER;
ALTER TABLE egress_records ADD COLUMN asOrganization TEXT;
CREATE INDEX IF NOT EXISTS egress_records_tenant ON egress_records (tenant, ts);
