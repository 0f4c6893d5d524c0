/**
 * Prometheus metrics for the shield (prom-client), one registry per shield instance.
 *
 * The hit path only bumps plain integers (`counts`); they are copied into prom-client counters when
 * /metrics is scraped, so a hit costs an increment, not a label hash. Gauges (cache bytes/objects,
 * evictions, in-flight fills) are read from their owners at scrape time. Must not hold request logic
 * and must not use prom-client's global default registry (tests start many shields per process).
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** What `Registry.getMetricsAsJSON` resolves to (sent over the cluster IPC channel). */
export type MetricsJson = Awaited<ReturnType<Registry['getMetricsAsJSON']>>;

/** Hot-path counters: plain fields, exported at scrape time. */
export interface HotCounts {
  hits: number;
  misses: number;
  coalesced: number;
  staleWhileRevalidate: number;
  staleIfError: number;
  bypass: number;
  upstreamBytes: number;
  /** Prefetch fills started (playlist or CMCD triggered). */
  prefetchRequests: number;
  /** Prefetched objects (or prefetch fills) a viewer later asked for, once per object. */
  prefetchHits: number;
  /** Prefetch fills that stored nothing (upstream error, 404, not storable). */
  prefetchFailures: number;
  /** Prefetch candidates dropped because the queue was full. */
  prefetchDropped: number;
  /** Requests whose object was read back from the disk tier. */
  diskHits: number;
  /** Egress records dropped (sink full or failed). */
  egressDropped: number;
  /** Fast lane (fast-lane.ts): hits answered on the raw socket, requests forwarded to Node's server, connections handed over. */
  laneHits: number;
  laneForwarded: number;
  laneHandovers: number;
  /** Cluster: requests a sibling worker sent this one for objects it owns (origin/cluster/). */
  peerRequests: number;
}

/** Live values read at scrape time. */
export interface MetricSources {
  cacheBytes(): number;
  cacheObjects(): number;
  evictions(): number;
  inFlight(): number;
  /** Bytes fills in flight retain now, the peak, and fills refused retention (SHIELD_INFLIGHT_BYTES). */
  inflightRetainedBytes?(): number;
  inflightRetainedPeakBytes?(): number;
  inflightRefused?(): number;
  /** Disk tier bytes and objects (absent when the disk tier is off). */
  diskBytes?(): number;
  diskObjects?(): number;
}

/** The shield's metrics. */
export interface ShieldMetrics {
  readonly counts: HotCounts;
  /** One upstream attempt: which packager, its status (or error code) and header latency. */
  upstreamRequest(upstream: string, outcome: string, seconds: number): void;
  /** An error response sent to a client, by code. */
  error(code: string): void;
  /** Circuit breaker state per packager: 0 closed, 1 half-open, 2 open. */
  breakerState(upstream: string, state: 0 | 1 | 2): void;
  purged(count: number): void;
  /** Prometheus text exposition. */
  render(): Promise<string>;
  /** The same metrics as prom-client JSON, for the cluster primary's `AggregatorRegistry.aggregate`. */
  json(): Promise<MetricsJson>;
  readonly contentType: string;
}

/** Fresh hot counters, all zero (a cluster worker's peer route keeps its own, unexported). */
export function createHotCounts(): HotCounts {
  return {
    hits: 0,
    misses: 0,
    coalesced: 0,
    staleWhileRevalidate: 0,
    staleIfError: 0,
    bypass: 0,
    upstreamBytes: 0,
    prefetchRequests: 0,
    prefetchHits: 0,
    prefetchFailures: 0,
    prefetchDropped: 0,
    diskHits: 0,
    egressDropped: 0,
    laneHits: 0,
    laneForwarded: 0,
    laneHandovers: 0,
    peerRequests: 0,
  };
}

/**
 * Creates the registry and every metric.
 *
 * @example const metrics = createShieldMetrics({ cacheBytes: () => store.usedBytes, … }); metrics.counts.hits++;
 */
export function createShieldMetrics(sources: MetricSources): ShieldMetrics {
  const registry = new Registry();
  const counts = createHotCounts();

  const mirrored = (name: string, help: string, read: () => number) =>
    new Counter({
      name,
      help,
      registers: [registry],
      collect() {
        this.reset();
        this.inc(read());
      },
    });
  mirrored(
    'shield_cache_hits_total',
    'Requests served fresh from the cache (x-cache HIT).',
    () => counts.hits,
  );
  mirrored(
    'shield_cache_misses_total',
    'Requests that started an upstream fill (x-cache MISS).',
    () => counts.misses,
  );
  mirrored(
    'shield_coalesced_waiters_total',
    'Requests that joined a fill in flight (x-cache COALESCED).',
    () => counts.coalesced,
  );
  mirrored('shield_bypass_total', 'Requests served uncached (x-cache BYPASS).', () => counts.bypass);
  mirrored('shield_upstream_bytes_total', 'Body bytes received from packagers.', () => counts.upstreamBytes);
  mirrored(
    'shield_prefetch_requests_total',
    'Prefetch fills started (next playlist segments, CMCD nor).',
    () => counts.prefetchRequests,
  );
  mirrored(
    'shield_prefetch_hits_total',
    'Prefetched objects a viewer later requested (once per object).',
    () => counts.prefetchHits,
  );
  mirrored(
    'shield_prefetch_failures_total',
    'Prefetch fills that stored nothing.',
    () => counts.prefetchFailures,
  );
  mirrored(
    'shield_prefetch_dropped_total',
    'Prefetch candidates dropped (queue full).',
    () => counts.prefetchDropped,
  );
  mirrored(
    'shield_cache_evictions_total',
    'Objects evicted to stay within SHIELD_CACHE_BYTES.',
    sources.evictions,
  );
  new Counter({
    name: 'shield_stale_served_total',
    help: 'Stale objects served (x-cache STALE), by reason.',
    labelNames: ['reason'],
    registers: [registry],
    collect() {
      this.reset();
      this.inc({ reason: 'while-revalidate' }, counts.staleWhileRevalidate);
      this.inc({ reason: 'if-error' }, counts.staleIfError);
    },
  });
  const gauge = (name: string, help: string, read: () => number) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        this.set(read());
      },
    });
  gauge('shield_cache_bytes', 'Bytes accounted in the object cache.', sources.cacheBytes);
  gauge('shield_cache_objects', 'Objects in the cache.', sources.cacheObjects);
  gauge('shield_fills_in_flight', 'Upstream fills in progress.', sources.inFlight);
  mirrored(
    'shield_fast_lane_hits_total',
    'Hits answered by the fast lane (also in cache hits).',
    () => counts.laneHits,
  );
  mirrored(
    'shield_fast_lane_forwarded_total',
    "Requests the fast lane passed to Node's HTTP server.",
    () => counts.laneForwarded,
  );
  mirrored(
    'shield_fast_lane_handovers_total',
    "Connections handed to Node's parser for good (a head the lane's strict reader would not vouch for).",
    () => counts.laneHandovers,
  );
  mirrored(
    'shield_peer_requests_total',
    'Requests a sibling worker sent this worker for objects it owns (SHIELD_WORKERS > 1).',
    () => counts.peerRequests,
  );
  mirrored(
    'shield_egress_dropped_total',
    'Egress records dropped because the sink was full or failed.',
    () => counts.egressDropped,
  );
  const { inflightRetainedBytes, inflightRetainedPeakBytes, inflightRefused } = sources;
  if (inflightRetainedBytes && inflightRetainedPeakBytes && inflightRefused) {
    gauge('shield_inflight_retained_bytes', 'Body bytes retained by fills in flight.', inflightRetainedBytes);
    gauge(
      'shield_inflight_retained_peak_bytes',
      'Highest shield_inflight_retained_bytes since start (never above SHIELD_INFLIGHT_BYTES).',
      inflightRetainedPeakBytes,
    );
    mirrored(
      'shield_inflight_refused_total',
      'Fills that streamed through uncached because SHIELD_INFLIGHT_BYTES was reached.',
      inflightRefused,
    );
  }
  if (sources.diskBytes !== undefined && sources.diskObjects !== undefined) {
    gauge('shield_disk_bytes', 'Bytes of the files in the disk tier.', sources.diskBytes);
    gauge('shield_disk_objects', 'Objects in the disk tier.', sources.diskObjects);
    mirrored(
      'shield_disk_hits_total',
      'Requests served from an object read back from disk.',
      () => counts.diskHits,
    );
  }
  const upstreamRequests = new Counter({
    name: 'shield_upstream_requests_total',
    help: 'Upstream attempts by packager and outcome (HTTP status or error code).',
    labelNames: ['upstream', 'outcome'],
    registers: [registry],
  });
  const upstreamLatency = new Histogram({
    name: 'shield_upstream_latency_seconds',
    help: 'Time to upstream response headers.',
    labelNames: ['upstream'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const errors = new Counter({
    name: 'shield_errors_total',
    help: 'Error responses by code.',
    labelNames: ['code'],
    registers: [registry],
  });
  const breaker = new Gauge({
    name: 'shield_breaker_state',
    help: 'Circuit breaker per packager: 0 closed, 1 half-open, 2 open.',
    labelNames: ['upstream'],
    // Across workers (each has its own breaker): the most open one.
    aggregator: 'max',
    registers: [registry],
  });
  const purgedTotal = new Counter({
    name: 'shield_purged_total',
    help: 'Objects removed by /purge.',
    registers: [registry],
  });

  return {
    counts,
    upstreamRequest(upstream, outcome, seconds) {
      upstreamRequests.inc({ upstream, outcome });
      upstreamLatency.observe({ upstream }, seconds);
    },
    error: (code) => errors.inc({ code }),
    breakerState: (upstream, state) => breaker.set({ upstream }, state),
    purged: (count) => purgedTotal.inc(count),
    render: () => registry.metrics(),
    json: () => registry.getMetricsAsJSON(),
    contentType: registry.contentType,
  };
}
