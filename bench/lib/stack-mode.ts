/**
 * Which stack a bench run uses (issue 7): an explicit `--target`, the running local stack (`npm start`
 * on its default ports or EDGE_PORT/SHIELD_PORT/PACKAGER_PORT), or a private stack the bench starts
 * and tears down. Pure: the caller probes the URLs and hands the answers in.
 */

/** Where `npm start` listens (scripts/dev.ts defaults, overridden by the same env variables). */
export interface LocalStackUrls {
  readonly edge: string;
  readonly shield: string;
  readonly packager: string;
}

/** Whether each service of the local stack answered its health URL. */
export interface StackProbe {
  readonly edge: boolean;
  readonly shield: boolean;
  readonly packager: boolean;
}

export interface ModeInput {
  /** `--target URL`. */
  readonly target?: string;
  /** `--private-stack`. */
  readonly forcePrivate?: boolean;
  /** Why the scenario needs a stack of its own (Scenario.privateStack), if it does. */
  readonly scenarioPrivate?: string;
  readonly local: LocalStackUrls;
  /** Probe answers; absent when no probe was made (target given, or private forced). */
  readonly probe?: StackProbe;
  /**
   * The scenario's catalogue (`/cat/tNNNN`) and whether the running packager serves all of it. The bench
   * never writes into a media root it did not make, so a stack without it cannot run the scenario.
   */
  readonly catalogue?: { readonly titles: number; readonly served: boolean };
}

export type StackMode =
  | { readonly kind: 'target'; readonly edge: string; readonly message: string }
  | { readonly kind: 'local'; readonly edge: string; readonly message: string }
  | { readonly kind: 'private'; readonly message: string };

/**
 * Why the target's answer to the bench's first (probe) request means the run cannot measure anything,
 * or undefined when it can: 401 to an unsigned request (a token-gated edge and no keys), 401/403 to a
 * signed one (keys the edge does not verify). Other statuses are the scenario's business.
 *
 * @example targetRefusal({ edge: 'http://127.0.0.1:8787', path: '/vod/ts/master.m3u8', status: 401, signed: false })
 */
export function targetRefusal(probe: {
  readonly edge: string;
  readonly path: string;
  readonly status: number;
  readonly signed: boolean;
}): string | undefined {
  const asked = `GET ${probe.path} answered ${probe.status}`;
  if (!probe.signed && probe.status === 401)
    return `the edge at ${probe.edge} requires viewer tokens (${asked} without one) and the bench has no signing keys: pass --sign-keys DIR with the keys that edge verifies (npm start's are in .dev-keys/), or target an edge with AUTH_MODE=off. Nothing was measured.`;
  if (probe.signed && (probe.status === 401 || probe.status === 403))
    return `the edge at ${probe.edge} refused the bench's signed token (${asked}): the signing keys are not the ones it verifies. Nothing was measured.`;
  return undefined;
}

/** True when the decision depends on probing the local stack. */
export function needsProbe(input: Omit<ModeInput, 'probe'>): boolean {
  return input.target === undefined && input.forcePrivate !== true && input.scenarioPrivate === undefined;
}

/**
 * @example chooseStackMode({ local, probe: { edge: true, shield: true, packager: true } }).kind // 'local'
 */
export function chooseStackMode(input: ModeInput): StackMode {
  if (input.target !== undefined)
    return { kind: 'target', edge: input.target, message: `using the target at ${input.target}` };
  if (input.forcePrivate === true)
    return { kind: 'private', message: '--private-stack: starting a private one' };
  if (input.scenarioPrivate !== undefined)
    return { kind: 'private', message: `${input.scenarioPrivate}: starting a private one` };
  if (input.probe?.edge === true) {
    const down = (['shield', 'packager'] as const).filter((s) => input.probe?.[s] !== true);
    const partial = down.length === 0 ? '' : ` (${down.join(' and ')} did not answer)`;
    const catalogue = input.catalogue;
    if (catalogue !== undefined && catalogue.titles > 0 && !catalogue.served) {
      const last = String(catalogue.titles - 1).padStart(4, '0');
      return {
        kind: 'private',
        message: `the running local stack does not serve the ${catalogue.titles}-title catalogue (/cat/t0000…/cat/t${last}) and the bench never writes into its media root: starting a private one`,
      };
    }
    return {
      kind: 'local',
      edge: input.local.edge,
      message: `using the running local stack at ${input.local.edge}${partial}`,
    };
  }
  return { kind: 'private', message: 'no local stack running: starting a private one' };
}

/**
 * The local stack's URLs from the environment, as scripts/dev.ts reads it.
 *
 * @example localStackUrls({ EDGE_PORT: '9000' }).edge // 'http://127.0.0.1:9000'
 */
export function localStackUrls(env: Readonly<Record<string, string | undefined>>): LocalStackUrls {
  const port = (key: string, fallback: number): number => {
    const raw = env[key];
    if (raw === undefined || raw === '') return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 1 || n > 65535)
      throw new Error(`${key}: expected integer 1-65535, got "${raw}"`);
    return n;
  };
  const url = (p: number) => `http://127.0.0.1:${p}`;
  return {
    edge: url(port('EDGE_PORT', 8787)),
    shield: url(port('SHIELD_PORT', 8081)),
    packager: url(port('PACKAGER_PORT', 8080)),
  };
}
