/**
 * Billing fields of egress records (issue 15): the control-plane tenant and the viewer's network
 * survive building, NDJSON round trips and Logpush's ClientASN.
 */
import { describe, expect, it } from 'vitest';
import { aggregate } from '../../../src/core/ledger/aggregate.ts';
import { parseLedgerLine } from '../../../src/core/ledger/logpush.ts';
import { FLAT } from '../../../src/core/ledger/prices/flat.ts';
import { buildEgressRecord } from '../../../src/core/ledger/record.ts';

const base = {
  ts: 1_796_000_000_000,
  tier: 'edge',
  status: 200,
  bytes: 10,
  headerBytes: 0,
  path: '/acme/a.ts',
  originBytes: 0,
  durationMs: 1,
} as const;

describe('tenant and network in egress records', () => {
  it('keeps tenant, AS number and AS organisation, and drops a nonsense AS number', () => {
    const r = buildEgressRecord({
      ...base,
      tenant: 'acme',
      network: { asn: 3320, asOrganization: 'Deutsche Telekom AG' },
    });
    expect(r).toMatchObject({ tenant: 'acme', asn: 3320, asOrganization: 'Deutsche Telekom AG' });
    expect(buildEgressRecord({ ...base, network: { asn: -1 } }).asn).toBeUndefined();
  });

  it('round-trips through our NDJSON', () => {
    const r = buildEgressRecord({
      ...base,
      tenant: 'acme',
      network: { asn: 5089, asOrganization: 'Virgin Media' },
    });
    expect(parseLedgerLine(JSON.stringify(r))).toEqual(r);
  });

  it('reads the AS number of a Logpush record', () => {
    const r = parseLedgerLine(
      JSON.stringify({
        EdgeStartTimestamp: 1,
        EdgeResponseStatus: 200,
        EdgeResponseBodyBytes: 5,
        ClientRequestPath: '/a.ts',
        ClientASN: 3320,
      }),
    );
    expect(typeof r === 'object' && r.asn).toBe(3320);
  });
});

describe('report by tenant and network', () => {
  it('groups bytes per tenant and per AS (npm run egress -- report --by tenant,network)', () => {
    const records = [
      buildEgressRecord({
        ...base,
        bytes: 100,
        tenant: 'acme',
        network: { asn: 3320, asOrganization: 'DTAG' },
      }),
      buildEgressRecord({ ...base, bytes: 50, tenant: 'acme', network: { asn: 5089 } }),
      buildEgressRecord({ ...base, bytes: 7 }),
    ];
    const report = aggregate(records, FLAT, { by: ['tenant', 'network'] });
    const pairs = (d: 'tenant' | 'network') => report.breakdowns[d]?.map((r) => [r.key, r.bytes]);
    expect(pairs('tenant')).toEqual(
      expect.arrayContaining([
        ['acme', 150],
        ['(none)', 7],
      ]),
    );
    expect(pairs('network')).toEqual(
      expect.arrayContaining([
        ['AS3320 DTAG', 100],
        ['AS5089', 50],
        ['unknown', 7],
      ]),
    );
  });
});
