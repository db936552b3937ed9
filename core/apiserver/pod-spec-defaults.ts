/**
 * Defaulting of pods and pod templates, as the API server applies it when it decodes a request.
 *
 * Upstream: `pkg/apis/core/v1/defaults.go` (`SetDefaults_Pod`, `SetDefaults_PodSpec`,
 * `SetDefaults_Container`, `SetDefaults_ContainerPort`, `SetDefaults_Probe`,
 * `SetDefaults_HTTPGetAction`, `SetDefaults_Volume` and the volume sources, `SetDefaults_ObjectFieldSelector`)
 * and the generated `SetObjectDefaults_Pod` that walks them. Pod templates (in Deployments, Jobs,
 * ...) get the `PodSpec` defaults but not the `Pod`-only ones (requests from limits,
 * `enableServiceLinks`, host ports for host-network pods).
 *
 * Every function is copy-on-write: it returns its input when nothing was defaulted, and shares
 * every untouched subtree, so defaulting an already-defaulted object (the common case for pods a
 * controller stamps out from a defaulted template) allocates nothing.
 */
import { arrAt, mapObjects, objAt, sortedKeys, withField, type Obj } from './json-fields.js';

/** Upstream `v1.DefaultTerminationGracePeriodSeconds`. */
export const DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS = 30;
/** Upstream `v1.DefaultSchedulerName`. */
export const DEFAULT_SCHEDULER_NAME = 'default-scheduler';
/** Upstream `v1.TerminationMessagePathDefault`. */
export const TERMINATION_MESSAGE_PATH_DEFAULT = '/dev/termination-log';
/** Upstream default file mode of secret, configMap, downwardAPI and projected volumes (0644). */
const DEFAULT_VOLUME_MODE = 420;

const EMPTY: Readonly<Obj> = Object.freeze({});

/**
 * The tag of an image reference as upstream `parsers.ParseImageName` reads it: the text after the
 * last `:` of the last path component, `latest` when there is neither tag nor digest, `''` when
 * there is a digest only.
 */
export function imageTag(image: string): string {
  const at = image.indexOf('@');
  const withoutDigest = at >= 0 ? image.slice(0, at) : image;
  const slash = withoutDigest.lastIndexOf('/');
  const colon = withoutDigest.lastIndexOf(':');
  if (colon > slash) return withoutDigest.slice(colon + 1);
  return at >= 0 ? '' : 'latest';
}

/** Upstream `SetDefaults_Probe` and the handler's `SetDefaults_HTTPGetAction`. */
function defaultProbe(probe: Readonly<Obj>): Readonly<Obj> {
  let p = probe;
  if (p.timeoutSeconds === undefined) p = withField(p, 'timeoutSeconds', 1);
  if (p.periodSeconds === undefined) p = withField(p, 'periodSeconds', 10);
  if (p.successThreshold === undefined) p = withField(p, 'successThreshold', 1);
  if (p.failureThreshold === undefined) p = withField(p, 'failureThreshold', 3);
  const http = objAt(p, 'httpGet');
  if (http !== undefined) p = withField(p, 'httpGet', defaultHttpGet(http));
  return p;
}

function defaultHttpGet(action: Readonly<Obj>): Readonly<Obj> {
  let a = action;
  if (a.path === undefined || a.path === '') a = withField(a, 'path', '/');
  if (a.scheme === undefined || a.scheme === '') a = withField(a, 'scheme', 'HTTP');
  return a;
}

function defaultLifecycle(lifecycle: Readonly<Obj>): Readonly<Obj> {
  let l = lifecycle;
  for (const hook of ['postStart', 'preStop']) {
    const handler = objAt(l, hook);
    const http = objAt(handler, 'httpGet');
    if (handler !== undefined && http !== undefined) l = withField(l, hook, withField(handler, 'httpGet', defaultHttpGet(http)));
  }
  return l;
}

/** Upstream `SetDefaults_ObjectFieldSelector`: `fieldRef.apiVersion: v1`. */
function defaultFieldRef(holder: Readonly<Obj>): Readonly<Obj> {
  const ref = objAt(holder, 'fieldRef');
  if (ref === undefined || (ref.apiVersion !== undefined && ref.apiVersion !== '')) return holder;
  return withField(holder, 'fieldRef', withField(ref, 'apiVersion', 'v1'));
}

/** Upstream `SetDefaults_Container` plus the defaults of what a container holds. */
export function defaultContainer(container: Readonly<Obj>, forPod: boolean): Readonly<Obj> {
  let c = container;
  if (c.imagePullPolicy === undefined || c.imagePullPolicy === '') {
    const image = typeof c.image === 'string' ? c.image : '';
    c = withField(c, 'imagePullPolicy', image !== '' && imageTag(image) === 'latest' ? 'Always' : 'IfNotPresent');
  }
  if (c.terminationMessagePath === undefined || c.terminationMessagePath === '') c = withField(c, 'terminationMessagePath', TERMINATION_MESSAGE_PATH_DEFAULT);
  if (c.terminationMessagePolicy === undefined || c.terminationMessagePolicy === '') c = withField(c, 'terminationMessagePolicy', 'File');
  const ports = arrAt(c, 'ports');
  if (ports !== undefined) {
    c = withField(c, 'ports', mapObjects(ports, (p) => (p.protocol === undefined || p.protocol === '' ? withField(p, 'protocol', 'TCP') : p)));
  }
  for (const probe of ['livenessProbe', 'readinessProbe', 'startupProbe']) {
    const p = objAt(c, probe);
    if (p !== undefined) c = withField(c, probe, defaultProbe(p));
  }
  const lifecycle = objAt(c, 'lifecycle');
  if (lifecycle !== undefined) c = withField(c, 'lifecycle', defaultLifecycle(lifecycle));
  const env = arrAt(c, 'env');
  if (env !== undefined) {
    c = withField(
      c,
      'env',
      mapObjects(env, (e) => {
        const from = objAt(e, 'valueFrom');
        return from === undefined ? e : withField(e, 'valueFrom', defaultFieldRef(from));
      }),
    );
  }
  if (forPod) c = defaultRequestsFromLimits(c);
  return c;
}

/**
 * `SetDefaults_Pod`: a container's requests default, resource by resource, to its limits. (Pods
 * only: templates keep what their author wrote.)
 */
function defaultRequestsFromLimits(container: Readonly<Obj>): Readonly<Obj> {
  const resources = objAt(container, 'resources');
  const limits = objAt(resources, 'limits');
  if (resources === undefined || limits === undefined) return container;
  const requests = objAt(resources, 'requests') ?? EMPTY;
  let missing: string[] | undefined;
  for (const key of sortedKeys(limits)) if (requests[key] === undefined) (missing ??= []).push(key);
  if (missing === undefined) return container;
  const next: Obj = { ...requests };
  for (const key of missing) next[key] = limits[key];
  return withField(container, 'resources', withField(resources, 'requests', next));
}

/** Upstream `SetDefaults_Volume` and the volume source defaults. */
function defaultVolume(volume: Readonly<Obj>): Readonly<Obj> {
  const keys = Object.keys(volume);
  // A volume that names no source is an emptyDir.
  if (keys.length === 1 && keys[0] === 'name') return withField(volume, 'emptyDir', {});
  let v = volume;
  for (const source of ['secret', 'configMap', 'downwardAPI', 'projected']) {
    const s = objAt(v, source);
    if (s === undefined) continue;
    let next = s;
    if (next.defaultMode === undefined) next = withField(next, 'defaultMode', DEFAULT_VOLUME_MODE);
    if (source === 'downwardAPI') {
      const items = arrAt(next, 'items');
      if (items !== undefined) next = withField(next, 'items', mapObjects(items, defaultFieldRef));
    }
    if (source === 'projected') {
      const sources = arrAt(next, 'sources');
      if (sources !== undefined) {
        next = withField(
          next,
          'sources',
          mapObjects(sources, (src) => {
            const token = objAt(src, 'serviceAccountToken');
            if (token !== undefined && token.expirationSeconds === undefined) return withField(src, 'serviceAccountToken', withField(token, 'expirationSeconds', 3600));
            const downward = objAt(src, 'downwardAPI');
            const items = arrAt(downward, 'items');
            if (downward !== undefined && items !== undefined) return withField(src, 'downwardAPI', withField(downward, 'items', mapObjects(items, defaultFieldRef)));
            return src;
          }),
        );
      }
    }
    v = withField(v, source, next);
  }
  const hostPath = objAt(v, 'hostPath');
  if (hostPath !== undefined && hostPath.type === undefined) v = withField(v, 'hostPath', withField(hostPath, 'type', ''));
  return v;
}

function defaultContainerList(spec: Readonly<Obj>, key: string, forPod: boolean): Readonly<Obj> {
  const list = arrAt(spec, key);
  if (list === undefined) return spec;
  // Requests-from-limits applies to containers and init containers; ephemeral containers have no resources.
  const podOnly = forPod && key !== 'ephemeralContainers';
  return withField(spec, key, mapObjects(list, (c) => defaultContainer(c, podOnly)));
}

/**
 * Upstream `SetDefaults_PodSpec` with the nested defaults. `forPod` adds the `Pod`-only defaults
 * (`SetDefaults_Pod`): requests from limits, `enableServiceLinks: true`, and host ports equal to
 * container ports for host-network pods.
 */
export function defaultPodSpec(spec: Readonly<Obj>, forPod: boolean): Readonly<Obj> {
  let s = spec;
  if (s.dnsPolicy === undefined || s.dnsPolicy === '') s = withField(s, 'dnsPolicy', 'ClusterFirst');
  if (s.restartPolicy === undefined || s.restartPolicy === '') s = withField(s, 'restartPolicy', 'Always');
  if (s.securityContext === undefined || s.securityContext === null) s = withField(s, 'securityContext', {});
  if (s.terminationGracePeriodSeconds === undefined || s.terminationGracePeriodSeconds === null) {
    s = withField(s, 'terminationGracePeriodSeconds', DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS);
  }
  if (s.schedulerName === undefined || s.schedulerName === '') s = withField(s, 'schedulerName', DEFAULT_SCHEDULER_NAME);
  s = defaultContainerList(s, 'containers', forPod);
  s = defaultContainerList(s, 'initContainers', forPod);
  s = defaultContainerList(s, 'ephemeralContainers', forPod);
  const volumes = arrAt(s, 'volumes');
  if (volumes !== undefined) s = withField(s, 'volumes', mapObjects(volumes, defaultVolume));
  if (forPod) {
    if (s.enableServiceLinks === undefined || s.enableServiceLinks === null) s = withField(s, 'enableServiceLinks', true);
    if (s.hostNetwork === true) {
      for (const key of ['containers', 'initContainers']) {
        const list = arrAt(s, key);
        if (list === undefined) continue;
        s = withField(
          s,
          key,
          mapObjects(list, (c) => {
            const ports = arrAt(c, 'ports');
            if (ports === undefined) return c;
            return withField(c, 'ports', mapObjects(ports, (p) => (p.hostPort === undefined && typeof p.containerPort === 'number' ? withField(p, 'hostPort', p.containerPort) : p)));
          }),
        );
      }
    }
  }
  return s;
}

/** Defaults of a `PodTemplateSpec` (`spec.template` of workloads): its pod spec's defaults. */
export function defaultPodTemplate(holder: Readonly<Obj>, key = 'template'): Readonly<Obj> {
  const template = objAt(holder, key);
  const spec = objAt(template, 'spec');
  if (template === undefined || spec === undefined) return holder;
  return withField(holder, key, withField(template, 'spec', defaultPodSpec(spec, false)));
}

/** Defaults of a `Pod` (`SetObjectDefaults_Pod`). */
export function defaultPod(pod: Readonly<Obj>): Readonly<Obj> {
  const spec = objAt(pod, 'spec');
  if (spec === undefined) return pod;
  return withField(pod, 'spec', defaultPodSpec(spec, true));
}
