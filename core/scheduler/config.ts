/**
 * `KubeSchedulerConfiguration` (`kubescheduler.config.k8s.io/v1`): loading, defaulting and
 * validation exactly as kube-scheduler v1.35 does it, and resolution of each profile into ordered
 * plugin lists per extension point.
 *
 * Mirrors, in order of the pipeline:
 * - decoding: `cmd/kube-scheduler/app/options/configfile.go` with the scheme's strict decoder
 *   (unknown fields, wrong types and duplicate keys are errors; YAML 1.1);
 * - defaulting: `pkg/scheduler/apis/config/v1/defaults.go` (`SetDefaults_KubeSchedulerConfiguration`,
 *   `setDefaults_KubeSchedulerProfile`) and `default_plugins.go` (`getDefaultPlugins`, `mergePlugins`);
 * - validation: `pkg/scheduler/apis/config/validation/validation.go` and `validation_pluginargs.go`
 *   (args of the in-tree plugins, see `plugin-args.ts`), plus component-base's leader-election and
 *   client-connection checks;
 * - resolution: `pkg/scheduler/framework/runtime/framework.go` (`resolveProfile` in
 *   `config-plugins.ts`).
 *
 * Every problem is reported as a `SchedulerConfigError` (a `ConfigError`) whose message names the
 * field path and whose location is `file:line:col`, with upstream's wording where upstream has one.
 *
 * Decisions where kubeprop differs from kube-scheduler, each because a silent acceptance would make
 * a simulation quietly diverge from what the user meant:
 * - A negative plugin `weight` is rejected (upstream does not check it).
 * - A `pluginConfig` entry for a plugin that is not registered is rejected (upstream ignores it).
 * - `extenders` (HTTP callouts) cannot run inside the model: a non-empty list is rejected unless the
 *   caller passes `{ extenders: 'ignore' }`, which keeps them in the config with a warning.
 * - A file with several YAML documents is rejected by `loadSchedulerConfig` (kube-scheduler would read
 *   the first and ignore the rest); `loadSchedulerConfigDocuments` reads them all.
 * - `resolveSchedulerConfig` also checks that every profile *resolves* to the same queue sort plugin
 *   (upstream validates only the explicit `queueSort` sets and then uses the first profile's sort).
 * - The upstream volume and DRA plugins are accepted but resolved as omitted no-ops
 *   (`OMITTED_UPSTREAM_PLUGINS`); their args are still validated.
 * - Feature-gated fields are judged with v1.35's default gates (`VolumeBindingArgs.shape` is
 *   rejected: `StorageCapacityScoring` is off).
 */
import { ConfigError, PluginError } from '../errors.js';
import {
  FieldErrors,
  FieldPath,
  formatBadValue,
  goQuote,
  SchedulerConfigError,
  type ConfigIssue,
  type IssueAnchor,
} from './config-errors.js';
import {
  decodeBool,
  decodeDurationMs,
  decodeFloat,
  decodeInt32,
  decodeInt64,
  decodeList,
  decodeObject,
  decodeString,
  formatDurationMs,
  type RawObject,
} from './config-decode.js';
import {
  DEFAULT_PLUGINS,
  REMOVED_UPSTREAM_PLUGINS,
  defaultPluginsConfig,
  mergePlugins,
  resolveProfile,
  type ImplementsFn,
  type KnownPluginFn,
} from './config-plugins.js';
import {
  DEFAULT_SCHEDULER_NAME,
  PLUGINS_FIELDS,
  SCHEDULER_CONFIG_API_VERSION,
  SCHEDULER_CONFIG_KIND,
  type ClientConnectionConfig,
  type ExtenderConfig,
  type ExtenderManagedResource,
  type ExtenderTLSConfig,
  type FieldLocator,
  type LeaderElectionConfig,
  type PluginConfigEntry,
  type PluginEntry,
  type PluginSetConfig,
  type PluginsConfig,
  type PluginsField,
  type ResolvedProfile,
  type SchedulerConfig,
  type SchedulerProfileConfig,
} from './config-types.js';
import { isExtendedResourceName, qualifiedNameErrors } from './config-validation.js';
import { parseYamlDocuments } from './config-yaml.js';
import { IN_TREE_ARGS_DECODERS } from './plugin-args-decode.js';
import type { ArgsDecoder } from './plugin.js';

export * from './config-types.js';
export {
  DEFAULT_PLUGINS,
  OMITTED_UPSTREAM_PLUGINS,
  PLUGIN_INTERFACE_NAMES,
  REMOVED_UPSTREAM_PLUGINS,
  defaultPluginsConfig,
  isOmittedUpstreamPlugin,
  mergePluginSet,
  mergePlugins,
  resolveProfile,
  type ImplementsFn,
  type KnownPluginFn,
} from './config-plugins.js';
export { SchedulerConfigError, type ConfigIssue, type IssueAnchor } from './config-errors.js';

/** How to load a configuration. */
export interface SchedulerConfigOptions {
  /**
   * A non-empty `extenders` list: `'reject'` (default) makes it an error, `'ignore'` keeps the
   * extenders in the result (validated) with a warning; the model never calls them.
   */
  readonly extenders?: 'reject' | 'ignore';
  /**
   * Replaces the v1.35 default plugin set (`DEFAULT_PLUGINS`, enabled through `multiPoint`), for
   * example to reproduce a documentation example built on placeholder default plugins.
   */
  readonly defaultPlugins?: readonly { readonly name: string; readonly weight?: number }[];
}

const TOP_FIELDS = [
  'apiVersion',
  'kind',
  'parallelism',
  'leaderElection',
  'clientConnection',
  'enableProfiling',
  'enableContentionProfiling',
  'percentageOfNodesToScore',
  'podInitialBackoffSeconds',
  'podMaxBackoffSeconds',
  'profiles',
  'extenders',
  'delayCacheUntilActive',
] as const;
const LEADER_ELECTION_FIELDS = [
  'leaderElect',
  'leaseDuration',
  'renewDeadline',
  'retryPeriod',
  'resourceLock',
  'resourceName',
  'resourceNamespace',
] as const;
const CLIENT_CONNECTION_FIELDS = ['kubeconfig', 'acceptContentTypes', 'contentType', 'qps', 'burst'] as const;
const PROFILE_FIELDS = ['schedulerName', 'percentageOfNodesToScore', 'plugins', 'pluginConfig'] as const;
const EXTENDER_FIELDS = [
  'urlPrefix',
  'filterVerb',
  'preemptVerb',
  'prioritizeVerb',
  'weight',
  'bindVerb',
  'enableHTTPS',
  'tlsConfig',
  'httpTimeout',
  'nodeCacheCapable',
  'managedResources',
  'ignorable',
] as const;
const TLS_FIELDS = ['insecure', 'serverName', 'certFile', 'keyFile', 'caFile', 'certData', 'keyData', 'caData'] as const;

/**
 * Reads one `KubeSchedulerConfiguration` from YAML (or JSON) text. Throws `ConfigError` (YAML syntax,
 * several documents) or `SchedulerConfigError` (every invalid field, each with `file:line:col`).
 */
export function loadSchedulerConfig(text: string, fileName: string, options: SchedulerConfigOptions = {}): SchedulerConfig {
  const docs = parseYamlDocuments(text, fileName);
  const first = docs[0];
  if (first === undefined) throw new ConfigError(`no ${SCHEDULER_CONFIG_KIND} found: the file is empty`, fileName);
  const second = docs[1];
  if (second !== undefined) {
    throw new ConfigError(
      `found ${docs.length} YAML documents, expected one ${SCHEDULER_CONFIG_KIND} ` +
        '(kube-scheduler would silently read only the first); split the file or read every document with loadSchedulerConfigDocuments',
      second.location,
    );
  }
  return buildConfig(first.value, fileName, first.locate, options);
}

/** Reads every `KubeSchedulerConfiguration` document of a multi-document YAML file, in order. */
export function loadSchedulerConfigDocuments(text: string, fileName: string, options: SchedulerConfigOptions = {}): SchedulerConfig[] {
  const docs = parseYamlDocuments(text, fileName);
  if (docs.length === 0) throw new ConfigError(`no ${SCHEDULER_CONFIG_KIND} found: the file is empty`, fileName);
  return docs.map((d) => buildConfig(d.value, fileName, d.locate, options));
}

/**
 * Defaults and validates an already parsed configuration object (the JSON shape of the YAML file).
 * Locations are the file name alone, when given.
 */
export function schedulerConfigFromObject(obj: unknown, fileName?: string, options: SchedulerConfigOptions = {}): SchedulerConfig {
  return buildConfig(obj, fileName, () => fileName, options);
}

/** The configuration kube-scheduler v1.35 runs with when given none: one `default-scheduler` profile. */
export function defaultSchedulerConfig(): SchedulerConfig {
  return schedulerConfigFromObject({ apiVersion: SCHEDULER_CONFIG_API_VERSION, kind: SCHEDULER_CONFIG_KIND });
}

/**
 * Resolves every profile of `config` (see `resolveProfile`) and checks that they all resolve to the
 * same queue sort plugin, since the scheduler has one queue.
 */
export function resolveSchedulerConfig(config: SchedulerConfig, implementsFn: ImplementsFn, knownPlugin: KnownPluginFn): ResolvedProfile[] {
  const resolved = config.profiles.map((p) => resolveProfile(p, implementsFn, knownPlugin));
  const errs = new FieldErrors(config.locate);
  const first = resolved[0]?.plugins.queueSort[0]?.name;
  resolved.forEach((r, i) => {
    const qs = r.plugins.queueSort[0]?.name;
    if (i > 0 && qs !== first) {
      errs.invalid(
        `profiles[${i}].plugins.queueSort`,
        qs,
        `queueSort must be the same for all profiles (profiles[0] resolves to ${formatBadValue(first)})`,
      );
    }
  });
  errs.throwIfAny();
  return resolved;
}

/**
 * Decodes one plugin's args of a resolved profile with the plugin's `decodeArgs`, attaching source
 * positions to any error. Without a decoder, the args must be absent or `{}`. A `ConfigError` from
 * the decoder is re-thrown located; any other exception becomes a `PluginError` (a bug in the
 * decoder, not in the configuration).
 */
export function decodePluginArgs<A>(profile: ResolvedProfile, pluginName: string, decode: ArgsDecoder<A> | undefined): A | undefined {
  const raw = profile.pluginArgs.get(pluginName);
  const path = profile.pluginArgsPaths.get(pluginName) ?? `pluginConfig[${pluginName}].args`;
  const locate = profile.locate;
  if (decode === undefined) {
    const empty = raw === undefined || raw === null || (typeof raw === 'object' && !Array.isArray(raw) && Object.keys(raw).length === 0);
    if (!empty) {
      const errs = new FieldErrors(locate);
      errs.invalid(path, raw, `plugin ${pluginName} takes no args`);
      errs.throwIfAny();
    }
    return undefined;
  }
  try {
    return decode(raw, path);
  } catch (err) {
    if (err instanceof SchedulerConfigError) {
      const issues: ConfigIssue[] = err.issues.map((i) => {
        if (i.location !== undefined) return i;
        const location = locate?.(i.field, i.anchor);
        return location !== undefined ? { ...i, location } : i;
      });
      throw new SchedulerConfigError(issues);
    }
    if (err instanceof ConfigError) {
      if (err.location !== undefined) throw err;
      throw new ConfigError(err.message, locate?.(path));
    }
    throw new PluginError(pluginName, 'decodeArgs', err instanceof Error ? err.message : String(err), { cause: err });
  }
}

function buildConfig(obj: unknown, fileName: string | undefined, locate: FieldLocator, options: SchedulerConfigOptions): SchedulerConfig {
  const located: FieldLocator = (field, anchor) => locate(field, anchor) ?? fileName;
  const errs = new FieldErrors((field: string, anchor: IssueAnchor) => located(field, anchor));
  const root = FieldPath.root('');

  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) {
    throw new ConfigError(`expected a ${SCHEDULER_CONFIG_KIND} object, got ${Array.isArray(obj) ? 'a list' : formatBadValue(obj)}`, located(''));
  }
  checkTypeMeta(obj as RawObject, errs);
  errs.throwIfAny();

  const top = decodeObject(obj, root, errs, TOP_FIELDS) ?? {};
  const parallelism = decodeInt32(top['parallelism'], root.child('parallelism'), errs) ?? 16;
  const percentageOfNodesToScore = decodeInt32(top['percentageOfNodesToScore'], root.child('percentageOfNodesToScore'), errs) ?? 0;
  const podInitialBackoffSeconds = decodeInt64(top['podInitialBackoffSeconds'], root.child('podInitialBackoffSeconds'), errs) ?? 1;
  const podMaxBackoffSeconds = decodeInt64(top['podMaxBackoffSeconds'], root.child('podMaxBackoffSeconds'), errs) ?? 10;
  const delayCacheUntilActive = decodeBool(top['delayCacheUntilActive'], root.child('delayCacheUntilActive'), errs) ?? false;
  const enableProfiling = decodeBool(top['enableProfiling'], root.child('enableProfiling'), errs) ?? true;
  const enableContentionProfiling =
    decodeBool(top['enableContentionProfiling'], root.child('enableContentionProfiling'), errs) ?? enableProfiling;
  const leaderElection = decodeLeaderElection(top['leaderElection'], root.child('leaderElection'), errs);
  const clientConnection = decodeClientConnection(top['clientConnection'], root.child('clientConnection'), errs);
  const extenders = decodeExtenders(top['extenders'], root.child('extenders'), errs);

  const defaults = defaultPluginsConfig(
    options.defaultPlugins ? options.defaultPlugins.map((p) => (p.weight !== undefined ? { name: p.name, weight: p.weight } : { name: p.name })) : DEFAULT_PLUGINS,
  );
  const rawProfiles = decodeList(top['profiles'], root.child('profiles'), errs) ?? [];
  const decoded = rawProfiles.map((item, i) => decodeProfile(item, root.child('profiles').index(i), errs));
  if (decoded.length === 0) decoded.push({ path: 'profiles[0]', pluginConfig: [] });
  // Upstream names the profile only when there is exactly one; validation requires the others.
  const only = decoded[0];
  if (decoded.length === 1 && only !== undefined && only.schedulerName === undefined) only.schedulerName = DEFAULT_SCHEDULER_NAME;

  const profiles: SchedulerProfileConfig[] = decoded.map((d) => {
    const profile: { -readonly [K in keyof SchedulerProfileConfig]: SchedulerProfileConfig[K] } = {
      schedulerName: d.schedulerName ?? '',
      plugins: mergePlugins(defaults, d.plugins),
      pluginConfig: d.pluginConfig,
      path: d.path,
      locate: located,
    };
    if (d.percentageOfNodesToScore !== undefined) profile.percentageOfNodesToScore = d.percentageOfNodesToScore;
    return Object.freeze(profile);
  });

  // Validation (upstream ValidateKubeSchedulerConfiguration).
  validateLeaderElection(leaderElection, root.child('leaderElection'), errs);
  if (clientConnection.burst < 0) errs.invalid(root.child('clientConnection', 'burst'), clientConnection.burst, 'must be non-negative');
  if (parallelism <= 0) errs.invalid(root.child('parallelism'), parallelism, 'should be an integer value greater than zero');
  const names = new Map<string, number>();
  profiles.forEach((p, i) => {
    const path = root.child('profiles').index(i);
    validateProfile(p, path, errs);
    const seen = names.get(p.schedulerName);
    if (seen !== undefined) {
      errs.add(path.child('schedulerName'), `Duplicate value: ${goQuote(p.schedulerName)} (same as profiles[${seen}].schedulerName)`);
    }
    names.set(p.schedulerName, i);
  });
  validateCommonQueueSort(profiles, root.child('profiles'), errs);
  validatePercentage(percentageOfNodesToScore, root.child('percentageOfNodesToScore'), errs);
  if (podInitialBackoffSeconds <= 0) {
    errs.invalid(root.child('podInitialBackoffSeconds'), podInitialBackoffSeconds, 'must be greater than 0');
  }
  if (podMaxBackoffSeconds < podInitialBackoffSeconds) {
    errs.invalid(root.child('podMaxBackoffSeconds'), podMaxBackoffSeconds, 'must be greater than or equal to PodInitialBackoffSeconds');
  }
  validateExtenders(extenders, root.child('extenders'), errs);

  const warnings: string[] = [];
  if (extenders.length > 0) {
    if ((options.extenders ?? 'reject') === 'reject') {
      errs.forbidden(
        root.child('extenders'),
        'scheduler extenders are HTTP callouts that kubeprop cannot run inside its model; ' +
          "write the extender's logic as a scheduler plugin, or load with { extenders: 'ignore' } to simulate without them",
      );
    } else {
      warnings.push(
        `${located('extenders') ?? 'extenders'}: ${extenders.length} scheduler extender(s) ignored: kubeprop does not call extenders`,
      );
    }
  }
  errs.throwIfAny();

  const config: { -readonly [K in keyof SchedulerConfig]: SchedulerConfig[K] } = {
    apiVersion: SCHEDULER_CONFIG_API_VERSION,
    kind: SCHEDULER_CONFIG_KIND,
    parallelism,
    percentageOfNodesToScore,
    podInitialBackoffSeconds,
    podMaxBackoffSeconds,
    delayCacheUntilActive,
    enableProfiling,
    enableContentionProfiling,
    leaderElection,
    clientConnection,
    extenders: Object.freeze(extenders),
    profiles: Object.freeze(profiles),
    warnings: Object.freeze(warnings),
    locate: located,
  };
  if (fileName !== undefined) config.fileName = fileName;
  return Object.freeze(config);
}

function checkTypeMeta(obj: RawObject, errs: FieldErrors): void {
  const apiVersion = obj['apiVersion'];
  const kind = obj['kind'];
  if (apiVersion === undefined || apiVersion === null || apiVersion === '') {
    errs.required('apiVersion', `must be ${goQuote(SCHEDULER_CONFIG_API_VERSION)}`);
  } else if (apiVersion !== SCHEDULER_CONFIG_API_VERSION) {
    const removed =
      typeof apiVersion === 'string' && apiVersion.startsWith('kubescheduler.config.k8s.io/')
        ? ` (${apiVersion.slice('kubescheduler.config.k8s.io/'.length)} is not served by kube-scheduler v1.35; migrate to v1)`
        : '';
    errs.add('apiVersion', `Unsupported value: ${formatBadValue(apiVersion)}: supported values: ${goQuote(SCHEDULER_CONFIG_API_VERSION)}${removed}`);
  }
  if (kind === undefined || kind === null || kind === '') {
    errs.required('kind', `must be ${goQuote(SCHEDULER_CONFIG_KIND)}`);
  } else if (kind !== SCHEDULER_CONFIG_KIND) {
    errs.notSupported('kind', kind, [SCHEDULER_CONFIG_KIND]);
  }
}

function decodeLeaderElection(v: unknown, path: FieldPath, errs: FieldErrors): LeaderElectionConfig {
  const o = decodeObject(v, path, errs, LEADER_ELECTION_FIELDS) ?? {};
  // component-base RecommendedDefaultLeaderElectionConfiguration: zero durations take the defaults.
  const dur = (field: string, dflt: number): number => {
    const ms = decodeDurationMs(o[field], path.child(field), errs);
    return ms === undefined || ms === 0 ? dflt : ms;
  };
  const str = (field: string, dflt: string): string => {
    const s = decodeString(o[field], path.child(field), errs);
    return s === undefined || s === '' ? dflt : s;
  };
  return Object.freeze({
    leaderElect: decodeBool(o['leaderElect'], path.child('leaderElect'), errs) ?? true,
    leaseDurationMs: dur('leaseDuration', 15_000),
    renewDeadlineMs: dur('renewDeadline', 10_000),
    retryPeriodMs: dur('retryPeriod', 2_000),
    resourceLock: str('resourceLock', 'leases'),
    resourceName: str('resourceName', 'kube-scheduler'),
    resourceNamespace: str('resourceNamespace', 'kube-system'),
  });
}

function validateLeaderElection(le: LeaderElectionConfig, path: FieldPath, errs: FieldErrors): void {
  if (!le.leaderElect) return;
  if (le.leaseDurationMs <= 0) errs.invalid(path.child('leaseDuration'), formatDurationMs(le.leaseDurationMs), 'must be greater than zero');
  if (le.renewDeadlineMs <= 0) errs.invalid(path.child('renewDeadline'), formatDurationMs(le.renewDeadlineMs), 'must be greater than zero');
  if (le.retryPeriodMs <= 0) errs.invalid(path.child('retryPeriod'), formatDurationMs(le.retryPeriodMs), 'must be greater than zero');
  if (le.leaseDurationMs <= le.renewDeadlineMs) {
    errs.invalid(path.child('leaseDuration'), formatDurationMs(le.renewDeadlineMs), 'must be greater than `RenewDeadline`');
  }
  if (le.resourceLock !== 'leases') errs.invalid(path.child('resourceLock'), le.resourceLock, 'resourceLock value must be "leases"');
}

function decodeClientConnection(v: unknown, path: FieldPath, errs: FieldErrors): ClientConnectionConfig {
  const o = decodeObject(v, path, errs, CLIENT_CONNECTION_FIELDS) ?? {};
  const qps = decodeFloat(o['qps'], path.child('qps'), errs) ?? 0;
  const burst = decodeInt32(o['burst'], path.child('burst'), errs) ?? 0;
  const contentType = decodeString(o['contentType'], path.child('contentType'), errs) ?? '';
  return Object.freeze({
    kubeconfig: decodeString(o['kubeconfig'], path.child('kubeconfig'), errs) ?? '',
    acceptContentTypes: decodeString(o['acceptContentTypes'], path.child('acceptContentTypes'), errs) ?? '',
    contentType: contentType === '' ? 'application/vnd.kubernetes.protobuf' : contentType,
    qps: qps === 0 ? 50 : qps,
    burst: burst === 0 ? 100 : burst,
  });
}

function decodeExtenders(v: unknown, path: FieldPath, errs: FieldErrors): ExtenderConfig[] {
  return (decodeList(v, path, errs) ?? []).map((item, i) => {
    const p = path.index(i);
    const o = decodeObject(item, p, errs, EXTENDER_FIELDS) ?? {};
    const s = (field: string): string => decodeString(o[field], p.child(field), errs) ?? '';
    const b = (obj: RawObject, at: FieldPath, field: string): boolean => decodeBool(obj[field], at.child(field), errs) ?? false;
    const managedResources: ExtenderManagedResource[] = (decodeList(o['managedResources'], p.child('managedResources'), errs) ?? []).map(
      (r, j) => {
        const rp = p.child('managedResources').index(j);
        const ro = decodeObject(r, rp, errs, ['name', 'ignoredByScheduler']) ?? {};
        return Object.freeze({
          name: decodeString(ro['name'], rp.child('name'), errs) ?? '',
          ignoredByScheduler: b(ro, rp, 'ignoredByScheduler'),
        });
      },
    );
    const tp = p.child('tlsConfig');
    const to = decodeObject(o['tlsConfig'], tp, errs, TLS_FIELDS);
    const ext: { -readonly [K in keyof ExtenderConfig]: ExtenderConfig[K] } = {
      urlPrefix: s('urlPrefix'),
      filterVerb: s('filterVerb'),
      preemptVerb: s('preemptVerb'),
      prioritizeVerb: s('prioritizeVerb'),
      weight: decodeInt64(o['weight'], p.child('weight'), errs) ?? 0,
      bindVerb: s('bindVerb'),
      enableHTTPS: b(o, p, 'enableHTTPS'),
      httpTimeoutMs: decodeDurationMs(o['httpTimeout'], p.child('httpTimeout'), errs) ?? 0,
      nodeCacheCapable: b(o, p, 'nodeCacheCapable'),
      managedResources: Object.freeze(managedResources),
      ignorable: b(o, p, 'ignorable'),
    };
    if (to !== undefined) {
      const ts = (field: string): string => decodeString(to[field], tp.child(field), errs) ?? '';
      const tls: ExtenderTLSConfig = {
        insecure: b(to, tp, 'insecure'),
        serverName: ts('serverName'),
        certFile: ts('certFile'),
        keyFile: ts('keyFile'),
        caFile: ts('caFile'),
        certData: ts('certData'),
        keyData: ts('keyData'),
        caData: ts('caData'),
      };
      ext.tlsConfig = Object.freeze(tls);
    }
    return Object.freeze(ext);
  });
}

/** Upstream `validateExtenders`. */
function validateExtenders(extenders: readonly ExtenderConfig[], path: FieldPath, errs: FieldErrors): void {
  let binders = 0;
  const managed = new Set<string>();
  extenders.forEach((e, i) => {
    const p = path.index(i);
    if (e.prioritizeVerb !== '' && e.weight <= 0) errs.invalid(p.child('weight'), e.weight, 'must have a positive weight applied to it');
    if (e.bindVerb !== '') binders++;
    e.managedResources.forEach((r, j) => {
      const np = p.child('managedResources').index(j).child('name');
      const nameErrs = qualifiedNameErrors(r.name);
      for (const m of nameErrs) errs.invalid(np, r.name, m);
      if (nameErrs.length === 0 && !isExtendedResourceName(r.name)) errs.invalid(np, r.name, 'is an invalid extended resource name');
      if (managed.has(r.name)) errs.invalid(np, r.name, 'duplicate extender managed resource name');
      managed.add(r.name);
    });
  });
  if (binders > 1) errs.invalid(path, `found ${binders} extenders implementing bind`, 'only one extender can implement bind');
}

interface DecodedProfile {
  schedulerName?: string;
  percentageOfNodesToScore?: number;
  plugins?: PluginsConfig;
  pluginConfig: PluginConfigEntry[];
  path: string;
}

function decodeProfile(item: unknown, path: FieldPath, errs: FieldErrors): DecodedProfile {
  const o = decodeObject(item, path, errs, PROFILE_FIELDS) ?? {};
  const out: DecodedProfile = { path: String(path), pluginConfig: [] };
  const name = decodeString(o['schedulerName'], path.child('schedulerName'), errs);
  if (name !== undefined) out.schedulerName = name;
  const pct = decodeInt32(o['percentageOfNodesToScore'], path.child('percentageOfNodesToScore'), errs);
  if (pct !== undefined) out.percentageOfNodesToScore = pct;
  const plugins = decodePlugins(o['plugins'], path.child('plugins'), errs);
  if (plugins !== undefined) out.plugins = plugins;
  const cp = path.child('pluginConfig');
  (decodeList(o['pluginConfig'], cp, errs) ?? []).forEach((entry, i) => {
    const p = cp.index(i);
    const eo = decodeObject(entry, p, errs, ['name', 'args']) ?? {};
    const pluginName = decodeString(eo['name'], p.child('name'), errs) ?? '';
    const args = eo['args'];
    out.pluginConfig.push(
      Object.freeze(args === undefined || args === null ? { name: pluginName, path: String(p) } : { name: pluginName, args, path: String(p) }),
    );
  });
  return out;
}

function decodePlugins(v: unknown, path: FieldPath, errs: FieldErrors): PluginsConfig | undefined {
  const o = decodeObject(v, path, errs, PLUGINS_FIELDS);
  if (o === undefined) return undefined;
  const out = {} as Record<PluginsField, PluginSetConfig>;
  for (const field of PLUGINS_FIELDS) {
    const sp = path.child(field);
    const so = decodeObject(o[field], sp, errs, ['enabled', 'disabled']) ?? {};
    out[field] = Object.freeze({
      enabled: Object.freeze(decodePluginList(so['enabled'], sp.child('enabled'), errs, true)),
      disabled: Object.freeze(decodePluginList(so['disabled'], sp.child('disabled'), errs, false)),
    });
  }
  return out;
}

function decodePluginList(v: unknown, path: FieldPath, errs: FieldErrors, enabled: boolean): PluginEntry[] {
  const out: PluginEntry[] = [];
  (decodeList(v, path, errs) ?? []).forEach((item, i) => {
    const p = path.index(i);
    const o = decodeObject(item, p, errs, ['name', 'weight']) ?? {};
    const name = decodeString(o['name'], p.child('name'), errs) ?? '';
    if (name === '') errs.required(p.child('name'));
    const weight = decodeInt32(o['weight'], p.child('weight'), errs);
    // kube-scheduler v1.35 accepts negative weights (they invert a plugin's preference and break the
    // [0, 100 × Σweights] range of total scores); kubeprop rejects them.
    if (enabled && weight !== undefined && weight < 0) errs.invalid(p.child('weight'), weight, 'must not be negative');
    out.push(Object.freeze(weight !== undefined ? { name, weight, path: String(p) } : { name, path: String(p) }));
  });
  return out;
}

function validatePercentage(v: number | undefined, path: FieldPath, errs: FieldErrors): void {
  if (v !== undefined && (v < 0 || v > 100)) errs.invalid(path, v, 'not in valid range [0-100]');
}

/** Upstream `validateKubeSchedulerProfile` and `validatePluginConfig`. */
function validateProfile(p: SchedulerProfileConfig, path: FieldPath, errs: FieldErrors): void {
  if (p.schedulerName === '') errs.required(path.child('schedulerName'));
  validatePercentage(p.percentageOfNodesToScore, path.child('percentageOfNodesToScore'), errs);
  const invalidIn = `was invalid in version "${SCHEDULER_CONFIG_API_VERSION}" (KubeSchedulerConfiguration is version "${SCHEDULER_CONFIG_API_VERSION}")`;
  for (const field of PLUGINS_FIELDS) {
    if (field === 'multiPoint') continue;
    p.plugins[field].enabled.forEach((e, i) => {
      if (REMOVED_UPSTREAM_PLUGINS.includes(e.name)) errs.invalid(e.path ?? path.child('plugins', field, 'enabled').index(i), e.name, invalidIn);
    });
  }
  const seen = new Set<string>();
  for (const c of p.pluginConfig) {
    if (c.name === '') errs.required(`${c.path}.name`);
    if (seen.has(c.name)) errs.duplicate(c.path, c.name);
    else seen.add(c.name);
    if (REMOVED_UPSTREAM_PLUGINS.includes(c.name)) {
      errs.invalid(c.path, c.name, invalidIn);
      continue;
    }
    const decode = IN_TREE_ARGS_DECODERS.get(c.name);
    if (decode) decode(c.args, FieldPath.root(`${c.path}.args`), errs);
  }
}

function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>)
      .filter(([, x]) => x !== undefined && x !== null)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${canonicalJson(x)}`).join(',')}}`;
  }
  return JSON.stringify(v ?? null);
}

function pluginSetValue(s: PluginSetConfig): unknown {
  const list = (ps: readonly PluginEntry[]): unknown[] => ps.map((p) => (p.weight ? { name: p.name, weight: p.weight } : { name: p.name }));
  return { enabled: list(s.enabled), disabled: list(s.disabled) };
}

/** Upstream `validateCommonQueueSort`, on the merged `queueSort` sets. */
function validateCommonQueueSort(profiles: readonly SchedulerProfileConfig[], path: FieldPath, errs: FieldErrors): void {
  const first = profiles[0];
  if (first === undefined) return;
  const canon = first.plugins.queueSort;
  const queueSortName = canon.enabled[0]?.name ?? '';
  if (canon.enabled.length > 1) {
    errs.invalid(path.index(0).child('plugins', 'queueSort', 'enabled'), canon.enabled.length, 'only one queue sort plugin can be enabled');
  }
  const canonArgs = queueSortName === '' ? undefined : first.pluginConfig.find((c) => c.name === queueSortName)?.args;
  profiles.forEach((p, i) => {
    if (i === 0) return;
    const curr = p.plugins.queueSort;
    if (canonicalJson(pluginSetValue(canon)) !== canonicalJson(pluginSetValue(curr))) {
      errs.invalid(path.index(i).child('plugins', 'queueSort'), pluginSetValue(curr), 'must be the same for all profiles');
    }
    if (queueSortName === '') return;
    for (const c of p.pluginConfig) {
      if (c.name === queueSortName && canonicalJson(canonArgs) !== canonicalJson(c.args)) {
        errs.invalid(`${c.path}.args`, c.args, 'queueSort must be the same for all profiles');
      }
    }
  });
}
