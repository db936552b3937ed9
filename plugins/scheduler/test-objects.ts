/**
 * Small builders of Pods and Nodes for the default scheduler plugins' specs, so each table row says
 * only what matters to it. Test support only: no plugin imports this file.
 */
import {
  EXTENSION_POINTS,
  Framework,
  implementedExtensionPoints,
  type EnabledPlugin,
  type KubeObject,
  type ExtensionPoint,
  type Node,
  type NodeSpec,
  type NodeStatus,
  type ObjectMeta,
  type Pod,
  type PodSpec,
  type SchedulerPluginInstance,
} from 'kubeprop';

/** What a test pod's spec may set; `containers` defaults to one `busybox` container. */
export type TestPodSpec = Omit<PodSpec, 'containers'> & { containers?: PodSpec['containers'] };

/** A Pod or Node typed also as a `KubeObject`, which is what queueing hints receive. */
export type AsKubeObject<T> = T & KubeObject;
/** A test pod (a `Pod` that is also a `KubeObject`). */
export type PodObject = AsKubeObject<Pod>;
/** A test node (a `Node` that is also a `KubeObject`). */
export type NodeObject = AsKubeObject<Node>;

/** A pod `default/<name>` with uid `uid-<name>`. */
export function testPod(name: string, spec: TestPodSpec = {}, metadata: Partial<ObjectMeta> = {}): PodObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', uid: `uid-${name}`, ...metadata },
    spec: { containers: [{ name: 'main', image: 'busybox' }], ...spec },
  };
}

/** A node `<name>` with the given spec, labels and status. */
export function testNode(
  name: string,
  spec: NodeSpec = {},
  opts: { readonly labels?: Record<string, string>; readonly status?: NodeStatus } = {},
): NodeObject {
  const node: NodeObject = { apiVersion: 'v1', kind: 'Node', metadata: { name }, spec };
  if (opts.labels !== undefined) node.metadata = { ...node.metadata, labels: opts.labels };
  if (opts.status !== undefined) node.status = opts.status;
  return node;
}

/** A plugin instance under test, with its name and score weight. */
export interface TestPlugin {
  readonly name: string;
  readonly instance: SchedulerPluginInstance;
  readonly weight?: number;
}

/** A framework running `plugins`, each at every extension point it implements, in the order given. */
export function frameworkOf(plugins: readonly TestPlugin[]): Framework {
  const byPoint = {} as Record<ExtensionPoint, EnabledPlugin[]>;
  for (const point of EXTENSION_POINTS) byPoint[point] = [];
  for (const p of plugins) {
    for (const point of implementedExtensionPoints(p.instance)) {
      byPoint[point].push({ name: p.name, instance: p.instance, weight: p.weight ?? 1 });
    }
  }
  return new Framework('test', byPoint);
}
