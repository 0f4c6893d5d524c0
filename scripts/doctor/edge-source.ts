/**
 * Reads what the edge Worker would be given, the way wrangler itself reads it: the resolved
 * wrangler.toml for one environment (`unstable_readConfig`: [env.<name>] vars and bindings are not
 * inherited from the top level), `.dev.vars`/`.env` for local runs (`unstable_getVarsForDev`, the
 * merge `wrangler dev` does), and a dotenv secrets file for deploys (the file
 * `wrangler deploy --secrets-file` and `wrangler secret bulk` take, read by run.ts). I/O only; judging
 * is edge-check.ts.
 */

/** The bindings the doctor looks at, as wrangler resolved them for the environment. */
export interface EdgeBindings {
  readonly d1: readonly {
    readonly binding: string;
    readonly databaseName: string | undefined;
    readonly databaseId: string | undefined;
    readonly migrationsDir: string | undefined;
  }[];
  readonly queueProducers: readonly { readonly binding: string; readonly queue: string }[];
  readonly queueConsumers: readonly string[];
  readonly analytics: readonly { readonly binding: string; readonly dataset: string | undefined }[];
  readonly kv: readonly { readonly binding: string; readonly id: string | undefined }[];
}

export interface EdgeSource {
  readonly configPath: string;
  /** `--env NAME`; undefined = the top-level configuration. */
  readonly envName: string | undefined;
  /** False when `--env NAME` has no [env.NAME] section (wrangler then uses the top level). */
  readonly envSectionFound: boolean;
  /** [vars] as written (values may be non-strings: TOML numbers and tables reach the Worker as JSON). */
  readonly vars: Readonly<Record<string, unknown>>;
  /** `secrets.required` declared for the environment (wrangler deploy refuses to ship without them). */
  readonly requiredSecrets: readonly string[];
  readonly bindings: EdgeBindings;
}

/** The parts of wrangler's resolved Config read here (its published types do not resolve fully). */
interface ResolvedConfig {
  readonly vars: Readonly<Record<string, unknown>>;
  readonly secrets?: { readonly required?: readonly string[] };
  readonly d1_databases: readonly {
    readonly binding: string;
    readonly database_name?: string;
    readonly database_id?: string;
    readonly migrations_dir?: string;
  }[];
  readonly queues: {
    readonly producers?: readonly { readonly binding: string; readonly queue: string }[];
    readonly consumers?: readonly { readonly queue: string }[];
  };
  readonly analytics_engine_datasets: readonly { readonly binding: string; readonly dataset?: string }[];
  readonly kv_namespaces: readonly { readonly binding: string; readonly id?: string }[];
}

/** Thrown when wrangler cannot read the configuration at all; the message is wrangler's. */
export class WranglerConfigError extends Error {
  readonly code = 'DOCTOR_ERR_WRANGLER_CONFIG';
}

/**
 * @example await readEdgeSource('wrangler.toml', 'production')
 */
export async function readEdgeSource(configPath: string, envName: string | undefined): Promise<EdgeSource> {
  const wrangler = await import('wrangler');
  let config: ResolvedConfig;
  let envSectionFound = true;
  try {
    config = wrangler.unstable_readConfig({ config: configPath, env: envName }, { hideWarnings: true });
    if (envName !== undefined) {
      const { rawConfig } = wrangler.experimental_readRawConfig({ config: configPath });
      envSectionFound = rawConfig.env?.[envName] !== undefined;
    }
  } catch (e) {
    throw new WranglerConfigError(e instanceof Error ? e.message : String(e), { cause: e });
  }
  return {
    configPath,
    envName,
    envSectionFound,
    vars: { ...config.vars },
    requiredSecrets: [...(config.secrets?.required ?? [])],
    bindings: {
      d1: config.d1_databases.map((d) => ({
        binding: d.binding,
        databaseName: d.database_name,
        databaseId: d.database_id,
        migrationsDir: d.migrations_dir,
      })),
      queueProducers: (config.queues.producers ?? []).map((p) => ({ binding: p.binding, queue: p.queue })),
      queueConsumers: (config.queues.consumers ?? []).map((c) => c.queue),
      analytics: config.analytics_engine_datasets.map((a) => ({ binding: a.binding, dataset: a.dataset })),
      kv: config.kv_namespaces.map((k) => ({ binding: k.binding, id: k.id })),
    },
  };
}

/**
 * What `wrangler dev` adds to [vars] locally: `.dev.vars[.<env>]` (or `.env` files) next to the
 * config, or the given `--env-file` files, read by wrangler's own loader.
 */
export async function readLocalVars(
  configPath: string,
  envName: string | undefined,
  envFiles: readonly string[] | undefined,
): Promise<Record<string, string>> {
  const { unstable_getVarsForDev } = await import('wrangler');
  const merged = unstable_getVarsForDev(configPath, envFiles ? [...envFiles] : undefined, {}, envName, true);
  const out: Record<string, string> = {};
  for (const [key, binding] of Object.entries(merged)) {
    out[key] = typeof binding.value === 'string' ? binding.value : JSON.stringify(binding.value);
  }
  return out;
}
