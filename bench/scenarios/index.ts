/** The scenario registry `npm run bench -- <name>` looks names up in. */
import type { Scenario } from '../scenario.ts';
import { baseline } from './baseline.ts';
import { expiredStorm } from './expired-storm.ts';
import { geoMix, geoMixUncapped } from './geo-mix.ts';
import { liveFlashCrowd } from './live-flash-crowd.ts';
import { llHls } from './ll-hls.ts';
import { shieldPrefetch } from './shield-prefetch.ts';
import { shieldPrefetchLive } from './shield-prefetch-live.ts';
import { tokenChurn } from './token-churn.ts';
import { vodZipf } from './vod-zipf.ts';

export const SCENARIOS: Readonly<Record<string, Scenario>> = Object.fromEntries(
  [
    vodZipf,
    liveFlashCrowd,
    tokenChurn,
    expiredStorm,
    geoMix,
    geoMixUncapped,
    baseline,
    llHls,
    shieldPrefetch,
    shieldPrefetchLive,
  ].map((s) => [s.name, s]),
);
