/**
 * Container health probe (`HEALTHCHECK` in origin/deploy/Dockerfile): GET /healthz on this host's
 * shield, exit 0 on 200, 1 otherwise. Reads the port with the shield's own parser, so it probes the
 * port the shield listens on. Must not touch anything but /healthz (it carries no credential).
 */
import { parseShieldConfig } from '../config.ts';

const parsed = parseShieldConfig(process.env);
// A config the shield would refuse means no shield is listening: unhealthy.
if (!parsed.ok) process.exit(1);
try {
  const res = await fetch(`http://127.0.0.1:${parsed.value.port}/healthz`, {
    signal: AbortSignal.timeout(2_000),
  });
  process.exit(res.status === 200 ? 0 : 1);
} catch {
  process.exit(1);
}
