/**
 * Per-region manifest policy: which policy applies to a viewer, and which master playlist lines it
 * removes. Pure: no I/O.
 *
 * Selection is deterministic: the most specific key wins and policies are never merged —
 *   regions["<CC>-<SUB>"] (ISO 3166-2, e.g. "US-CA")  >  countries["<CC>"]  >  continents["<XX>"]
 *   (AF AN AS EU NA OC SA, from the country)  >  default  >  none.
 * Removal keeps the master valid: at least one variant always remains (the lowest-bandwidth one
 * when every variant exceeds the caps), and every EXT-X-MEDIA group keeps at least one rendition.
 */
import { continentOf } from './continents.ts';
import type { Playlist, PlaylistIssue, RenditionRef, VariantRef } from './model.ts';

export interface RegionPolicy {
  /** Host mapping: URIs of ours become absolute on this origin (`https://eu.edge.example`). */
  readonly origin?: string;
  /** Which URIs move to `origin`: all (default) or media only (segments, parts, init sections). */
  readonly originScope?: 'all' | 'media';
  /** Variants (and I-frame streams) taller than this many lines are removed. */
  readonly maxHeight?: number;
  /** Variants (and I-frame streams) with a higher BANDWIDTH (bits/s) are removed. */
  readonly maxBandwidth?: number;
  /** Codec prefixes (`hvc1`, `ec-3`): variants listing one are removed. */
  readonly dropCodecs?: readonly string[];
  /** Languages (`fr`, `de-AT`; a primary tag matches its subtags): EXT-X-MEDIA renditions removed. */
  readonly dropLanguages?: readonly string[];
}

export interface PolicyTable {
  readonly regions?: Readonly<Record<string, RegionPolicy>>;
  readonly countries?: Readonly<Record<string, RegionPolicy>>;
  readonly continents?: Readonly<Record<string, RegionPolicy>>;
  readonly default?: RegionPolicy;
}

export interface PolicyMatch {
  readonly policy: RegionPolicy;
  /** Which key matched: `region:US-CA`, `country:DE`, `continent:EU` or `default`. */
  readonly matched: string;
}

/**
 * @example selectPolicy({ countries: { DE: p } }, { country: 'DE', region: 'BY' }) // { policy: p, matched: 'country:DE' }
 */
export function selectPolicy(
  table: PolicyTable,
  geo: { readonly country: string; readonly region?: string | undefined } | undefined,
): PolicyMatch | undefined {
  if (geo !== undefined) {
    const country = geo.country.toUpperCase();
    if (geo.region !== undefined) {
      const key = `${country}-${geo.region.toUpperCase()}`;
      const p = table.regions?.[key];
      if (p !== undefined) return { policy: p, matched: `region:${key}` };
    }
    const byCountry = table.countries?.[country];
    if (byCountry !== undefined) return { policy: byCountry, matched: `country:${country}` };
    const continent = continentOf(country);
    const byContinent = continent === undefined ? undefined : table.continents?.[continent];
    if (byContinent !== undefined) return { policy: byContinent, matched: `continent:${continent}` };
  }
  return table.default === undefined ? undefined : { policy: table.default, matched: 'default' };
}

/** Whether a policy removes anything from a master playlist. */
export function hasRenditionRules(p: RegionPolicy): boolean {
  return (
    p.maxHeight !== undefined ||
    p.maxBandwidth !== undefined ||
    (p.dropCodecs?.length ?? 0) > 0 ||
    (p.dropLanguages?.length ?? 0) > 0
  );
}

export interface RenditionDrops {
  readonly drop: Set<number>;
  readonly issues: PlaylistIssue[];
}

/**
 * Line indices a region policy removes from a master playlist (nothing for media playlists).
 *
 * @example renditionDrops(master, { maxHeight: 540 }).drop // the 720p EXT-X-STREAM-INF and URI lines
 */
export function renditionDrops(playlist: Playlist, policy: RegionPolicy): RenditionDrops {
  const drop = new Set<number>();
  const issues: PlaylistIssue[] = [];
  if (playlist.kind !== 'master' || !hasRenditionRules(policy)) return { drop, issues };
  const codecDropped = (codecs: readonly string[]) =>
    codecs.some((c) => policy.dropCodecs?.some((d) => c.toLowerCase().startsWith(d.toLowerCase())) ?? false);
  const overCap = (s: { height: number | undefined; bandwidth: number | undefined }) =>
    (policy.maxHeight !== undefined && s.height !== undefined && s.height > policy.maxHeight) ||
    (policy.maxBandwidth !== undefined && s.bandwidth !== undefined && s.bandwidth > policy.maxBandwidth);

  const kept = playlist.variants.filter((v) => !codecDropped(v.codecs) && !overCap(v));
  if (kept.length === 0 && playlist.variants.length > 0) {
    // A master with no variant is invalid (RFC 8216 §4.3.4.2): keep the cheapest one that the codec
    // rules allow, or the cheapest of all when they allow none.
    const allowed = playlist.variants.filter((v) => !codecDropped(v.codecs));
    const lowest = cheapest(allowed.length > 0 ? allowed : playlist.variants);
    if (lowest !== undefined) kept.push(lowest);
    issues.push({
      line: 0,
      message: 'every variant is outside the region policy; kept the lowest',
      fatal: false,
    });
  }
  const keep = new Set(kept.map((v) => v.tagLine));
  for (const v of playlist.variants) {
    if (keep.has(v.tagLine)) continue;
    for (let i = v.tagLine; i <= v.uriLine; i++) drop.add(i);
  }
  for (const f of playlist.iFrames) if (codecDropped(f.codecs) || overCap(f)) drop.add(f.line);
  for (const r of droppedRenditions(playlist.renditions, policy.dropLanguages ?? [])) drop.add(r.line);
  return { drop, issues };
}

function cheapest(variants: readonly VariantRef[]): VariantRef | undefined {
  let best: VariantRef | undefined;
  for (const v of variants) {
    if (best === undefined || (v.bandwidth ?? Infinity) < (best.bandwidth ?? Infinity)) best = v;
  }
  return best;
}

function droppedRenditions(
  renditions: readonly RenditionRef[],
  languages: readonly string[],
): RenditionRef[] {
  if (languages.length === 0) return [];
  const matches = (lang: string | undefined) => {
    if (lang === undefined) return false;
    const l = lang.toLowerCase();
    return languages.some((d) => l === d.toLowerCase() || l.startsWith(`${d.toLowerCase()}-`));
  };
  const groups = new Map<string, RenditionRef[]>();
  for (const r of renditions) {
    const key = `${r.type ?? ''}\u0000${r.groupId ?? ''}`;
    const list = groups.get(key) ?? [];
    list.push(r);
    groups.set(key, list);
  }
  const out: RenditionRef[] = [];
  for (const list of groups.values()) {
    const dropped = list.filter((r) => matches(r.language));
    // A variant naming this group needs at least one member (RFC 8216 §4.3.4.2.1): keep the default.
    if (dropped.length === list.length) {
      const survivor = list.find((r) => r.isDefault) ?? list[0];
      out.push(...dropped.filter((r) => r !== survivor));
    } else out.push(...dropped);
  }
  return out;
}
