/**
 * The shapes of a loaded `kubescheduler.config.k8s.io/v1` `KubeSchedulerConfiguration` after
 * defaulting (upstream `k8s.io/kube-scheduler/config/v1/types.go` and the internal
 * `pkg/scheduler/apis/config/types.go`), and of a profile resolved into per-extension-point plugin
 * lists. Field names are upstream's; durations are converted to milliseconds and carry an `Ms` suffix.
 */
import { EXTENSION_POINTS, type ExtensionPoint } from './plugin.js';
import type { IssueAnchor } from './config-errors.js';

/** The only supported `apiVersion`. */
export const SCHEDULER_CONFIG_API_VERSION = 'kubescheduler.config.k8s.io/v1';
/** The configuration's `kind`. */
export const SCHEDULER_CONFIG_KIND = 'KubeSchedulerConfiguration';
/** Upstream `v1.DefaultSchedulerName`. */
export const DEFAULT_SCHEDULER_NAME = 'default-scheduler';

/** A `profiles[].plugins` field: an extension point, or `multiPoint`. */
export type PluginsField = ExtensionPoint | 'multiPoint';

/** The `plugins` fields in upstream's declaration order (`multiPoint` last). */
export const PLUGINS_FIELDS: readonly PluginsField[] = Object.freeze([...EXTENSION_POINTS, 'multiPoint']);

/** A plugin named in a plugin set (upstream `Plugin`). */
export interface PluginEntry {
  readonly name: string;
  /** Only meaningful for score plugins; absent means "not set" (0 ⇒ 1 when resolved). */
  readonly weight?: number;
  /** Field path of the entry in the configuration, absent for entries that come from the defaults. */
  readonly path?: string;
}

/** Enabled and disabled plugins of one extension point (upstream `PluginSet`). */
export interface PluginSetConfig {
  readonly enabled: readonly PluginEntry[];
  readonly disabled: readonly PluginEntry[];
}

/** Every plugin set of a profile (upstream `Plugins`). */
export type PluginsConfig = { readonly [K in PluginsField]: PluginSetConfig };

/** One `pluginConfig` entry: raw args as written (validated at load time for in-tree plugins). */
export interface PluginConfigEntry {
  readonly name: string;
  /** The raw args (`undefined` when not given). */
  readonly args?: unknown;
  /** Field path of the entry, e.g. `profiles[0].pluginConfig[1]`. */
  readonly path: string;
}

/** Resolves a field path to `file:line:col`, when the configuration came from a file. */
export type FieldLocator = (field: string, anchor?: IssueAnchor) => string | undefined;

/** A profile after defaulting (upstream `KubeSchedulerProfile`). */
export interface SchedulerProfileConfig {
  readonly schedulerName: string;
  /** Profile-level override of the global `percentageOfNodesToScore` (0..100), when set. */
  readonly percentageOfNodesToScore?: number;
  /**
   * The plugin sets after upstream's `mergePlugins` of the defaults with the profile's own sets
   * (not yet expanded: see `resolveProfile`).
   */
  readonly plugins: PluginsConfig;
  readonly pluginConfig: readonly PluginConfigEntry[];
  /** Field path of the profile, e.g. `profiles[1]`. */
  readonly path: string;
  /** Source positions of the configuration this profile came from. */
  readonly locate?: FieldLocator;
}

/** Upstream component-base `LeaderElectionConfiguration`, defaulted. Kept, not used by the model. */
export interface LeaderElectionConfig {
  readonly leaderElect: boolean;
  readonly leaseDurationMs: number;
  readonly renewDeadlineMs: number;
  readonly retryPeriodMs: number;
  readonly resourceLock: string;
  readonly resourceName: string;
  readonly resourceNamespace: string;
}

/** Upstream component-base `ClientConnectionConfiguration`, defaulted. Kept, not used by the model. */
export interface ClientConnectionConfig {
  readonly kubeconfig: string;
  readonly acceptContentTypes: string;
  readonly contentType: string;
  readonly qps: number;
  readonly burst: number;
}

/** Upstream `ExtenderManagedResource`. */
export interface ExtenderManagedResource {
  readonly name: string;
  readonly ignoredByScheduler: boolean;
}

/** Upstream `ExtenderTLSConfig`. */
export interface ExtenderTLSConfig {
  readonly insecure: boolean;
  readonly serverName: string;
  readonly certFile: string;
  readonly keyFile: string;
  readonly caFile: string;
  readonly certData: string;
  readonly keyData: string;
  readonly caData: string;
}

/** Upstream `Extender` (an HTTP webhook scheduler extender). kubeprop cannot call extenders. */
export interface ExtenderConfig {
  readonly urlPrefix: string;
  readonly filterVerb: string;
  readonly preemptVerb: string;
  readonly prioritizeVerb: string;
  readonly weight: number;
  readonly bindVerb: string;
  readonly enableHTTPS: boolean;
  readonly tlsConfig?: ExtenderTLSConfig;
  readonly httpTimeoutMs: number;
  readonly nodeCacheCapable: boolean;
  readonly managedResources: readonly ExtenderManagedResource[];
  readonly ignorable: boolean;
}

/** A loaded, defaulted and validated `KubeSchedulerConfiguration`. */
export interface SchedulerConfig {
  readonly apiVersion: typeof SCHEDULER_CONFIG_API_VERSION;
  readonly kind: typeof SCHEDULER_CONFIG_KIND;
  /** The file it was read from, when it was. */
  readonly fileName?: string;
  /** Default 16; must be > 0. Not used by the (sequential) model. */
  readonly parallelism: number;
  /** Default 0 (adaptive, 5 %–50 % by cluster size); 0..100. */
  readonly percentageOfNodesToScore: number;
  /** Default 1; > 0. */
  readonly podInitialBackoffSeconds: number;
  /** Default 10; ≥ `podInitialBackoffSeconds`. */
  readonly podMaxBackoffSeconds: number;
  /** Default false. */
  readonly delayCacheUntilActive: boolean;
  /** Default true. */
  readonly enableProfiling: boolean;
  /** Default true when profiling is enabled. */
  readonly enableContentionProfiling: boolean;
  readonly leaderElection: LeaderElectionConfig;
  readonly clientConnection: ClientConnectionConfig;
  /** Empty unless the loader was told to accept (and ignore) extenders. */
  readonly extenders: readonly ExtenderConfig[];
  /** At least one; unique scheduler names; one shared queue sort. */
  readonly profiles: readonly SchedulerProfileConfig[];
  /** Non-fatal remarks (for instance ignored extenders). */
  readonly warnings: readonly string[];
  /** Source positions (`file:line:col`) of field paths, when read from a file. */
  readonly locate: FieldLocator;
}

/** A plugin at one extension point of a resolved profile. */
export interface ResolvedPlugin {
  readonly name: string;
  /** Set at the score point only: the effective weight (an explicit `score` weight wins over the
   * `multiPoint` one; 0 or unset ⇒ 1). */
  readonly weight?: number;
}

/** A profile resolved into the ordered plugin list of every extension point. */
export interface ResolvedProfile {
  readonly schedulerName: string;
  /** The profile's own `percentageOfNodesToScore`; absent means "use the global value". */
  readonly percentageOfNodesToScore?: number;
  /** Ordered plugins per extension point. Upstream plugins kubeprop omits are left out. */
  readonly plugins: Readonly<Record<ExtensionPoint, readonly ResolvedPlugin[]>>;
  /**
   * Raw args (as written in `pluginConfig`, `undefined` when not given) of every plugin the profile
   * uses, keyed by plugin name, in first-use order. Decode them with the plugin's `decodeArgs`.
   */
  readonly pluginArgs: ReadonlyMap<string, unknown>;
  /** Field path to pass as `path` to `decodeArgs` (`profiles[0].pluginConfig[2].args`, or `profiles[0].pluginConfig[NodeResourcesFit].args` when not given). */
  readonly pluginArgsPaths: ReadonlyMap<string, string>;
  /** Upstream plugins enabled by the configuration that kubeprop treats as no-ops (see `OMITTED_UPSTREAM_PLUGINS`). */
  readonly omittedPlugins: readonly string[];
  /** Source positions of the configuration, when read from a file. */
  readonly locate?: FieldLocator;
}
