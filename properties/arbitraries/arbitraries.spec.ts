/**
 * The arbitraries generate objects kubeprop's validator accepts without a single error or unknown
 * field, that also satisfy the semantic rules upstream validation adds on top of the schema, stay
 * within their constraints, make selectors match some objects and miss others, and shrink to small
 * counterexamples.
 *
 * Environment: FC_NUM_RUNS (default 200), FC_SEED.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { stringify as toYaml } from 'yaml';
import {
  TypeRegistry,
  isQualifiedName,
  isValidLabelValue,
  labelSelectorAsSelector,
  parseManifests,
  parseQuantity,
  podRequests,
  resourceVectorFromList,
  toleratesTaint,
  tryLabelSelectorAsSelector,
  validateManifests,
  type Container,
  type KubeObject,
  type LabelSelector,
  type Pod,
} from 'kubeprop';
import { cluster, clusterObjects, type Cluster } from './cluster.js';
import { labels, labelSelector } from './labels.js';
import { node } from './node.js';
import { pod } from './pod.js';
import { podDisruptionBudget } from './pod-disruption-budget.js';
import { priorityClass } from './priority-class.js';
import { quantityAmount, quantityString } from './quantity-string.js';
import { taints } from './taint.js';
import { toleration } from './toleration.js';
import { LABEL_HOSTNAME } from './vocabulary.js';
import { propertyParameters } from '../runner/property-parameters.js';

const params = <T>(): fc.Parameters<T> => propertyParameters<T>(200);
const registry = new TypeRegistry();

/** Validation errors and unknown fields of one object, as readable lines. */
function problems(o: KubeObject): string[] {
  const r = registry.validate(o);
  return [...r.errors.map((e) => `${o.kind}: ${e.message}`), ...r.unknownFields.map((u) => `${o.kind}: unknown field ${u.field}`)];
}

function assertValid(o: KubeObject): void {
  assert.deepEqual(problems(o), [], JSON.stringify(o));
}

function assertLabels(what: string, l: Readonly<Record<string, string>> | undefined): void {
  for (const [k, v] of Object.entries(l ?? {})) {
    assert.deepEqual(isQualifiedName(k), [], `${what}: label key ${k}`);
    assert.deepEqual(isValidLabelValue(v), [], `${what}: label value ${v}`);
  }
}

function assertSelector(what: string, s: LabelSelector | undefined): void {
  if (s === undefined) return;
  assert.equal(tryLabelSelectorAsSelector(s).ok, true, `${what}: selector ${JSON.stringify(s)} does not parse`);
}

/** The rules upstream's ValidatePod adds to the schema that matter to scheduling. */
function assertPodSemantics(p: Pod): void {
  const spec = p.spec!;
  const all: Container[] = [...(spec.initContainers ?? []), ...spec.containers];
  const names = all.map((c) => c.name);
  assert.equal(new Set(names).size, names.length, `duplicate container names ${names.join(',')}`);
  const ports = all.flatMap((c) => (c.ports ?? []).map((pt) => `${pt.protocol ?? 'TCP'}/${pt.hostPort}`));
  assert.equal(new Set(ports).size, ports.length, `duplicate host ports ${ports.join(',')}`);
  for (const c of all) {
    const req = c.resources?.requests ?? {};
    const lim = c.resources?.limits ?? {};
    for (const [r, q] of Object.entries({ ...req, ...lim })) assert.doesNotThrow(() => parseQuantity(q as string), `${r}=${String(q)}`);
    for (const [r, l] of Object.entries(lim)) {
      const q = req[r];
      assert.ok(q !== undefined, `limit without request for ${r}`);
      assert.ok(parseQuantity(q as string).cmp(parseQuantity(l as string)) <= 0, `request ${String(q)} > limit ${String(l)} for ${r}`);
      if (r.includes('/')) assert.equal(parseQuantity(q as string).cmp(parseQuantity(l as string)), 0, `extended resource ${r}: request != limit`);
    }
  }
  for (const t of spec.tolerations ?? []) {
    if (t.operator === 'Exists') assert.equal(t.value, undefined, 'Exists with a value');
    if (t.key === undefined) assert.equal(t.operator, 'Exists', 'key-less toleration must be Exists');
    if (t.tolerationSeconds !== undefined) assert.equal(t.effect, 'NoExecute', 'tolerationSeconds without NoExecute');
  }
  const spread = (spec.topologySpreadConstraints ?? []).map((t) => `${t.topologyKey}/${t.whenUnsatisfiable}`);
  assert.equal(new Set(spread).size, spread.length, 'duplicate spread constraint');
  for (const t of spec.topologySpreadConstraints ?? []) {
    if (t.minDomains !== undefined) assert.equal(t.whenUnsatisfiable, 'DoNotSchedule', 'minDomains with ScheduleAnyway');
    assertSelector('spread', t.labelSelector as LabelSelector | undefined);
  }
  const terms = [
    ...(spec.affinity?.podAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []),
    ...(spec.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []),
    ...(spec.affinity?.podAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? []).map((w) => w.podAffinityTerm),
    ...(spec.affinity?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? []).map((w) => w.podAffinityTerm),
  ];
  for (const t of terms) {
    assertSelector('affinity', t.labelSelector);
    assertSelector('namespaceSelector', t.namespaceSelector);
  }
  assertLabels('pod', p.metadata?.labels);
  assertLabels('nodeSelector', spec.nodeSelector);
}

describe('arbitraries', function () {
  this.timeout(60_000);

  describe('generate objects the validator accepts', () => {
    it('clusters: every object validates with no errors and no unknown fields', () => {
      fc.assert(
        fc.property(cluster({ maxNodes: 4, maxBoundPods: 5, maxPendingPods: 4, maxPodDisruptionBudgets: 2 }), (c) => {
          for (const o of clusterObjects(c)) assertValid(o);
        }),
        params(),
      );
    });

    it('clusters written as YAML pass validateManifests, as a counterexample file would', () => {
      fc.assert(
        fc.property(cluster({ maxPodDisruptionBudgets: 2 }), (c) => {
          const text = clusterObjects(c)
            .map((o) => toYaml(o))
            .join('---\n');
          const report = validateManifests(parseManifests(text, 'cluster.yaml'));
          assert.equal(report.summary.valid, report.summary.resources, JSON.stringify(report.resources.filter((r) => r.status !== 'valid')));
        }),
        { ...params(), numRuns: 30 },
      );
    });

    it('standalone nodes, pods, priority classes and PDBs validate', () => {
      fc.assert(
        fc.property(node(), pod(), pod({ nodeName: 'node-1' }), priorityClass({ globalDefault: true }), podDisruptionBudget(), (n, p, bound, pc, pdb) => {
          for (const o of [n, p, bound, pc, pdb]) assertValid(o);
          assert.equal(bound.spec?.nodeName, 'node-1');
        }),
        params(),
      );
    });
  });

  describe('follow the semantic rules the schema does not check', () => {
    it('pods: unique container names and host ports, requests <= limits, valid tolerations, spread and selectors', () => {
      fc.assert(fc.property(pod({ maxContainers: 3, maxInitContainers: 2 }), (p) => assertPodSemantics(p)), params());
    });

    it('nodes: hostname label = name, allocatable <= capacity, taints unique on (key, effect), valid labels', () => {
      fc.assert(
        fc.property(node(), (n) => {
          assert.equal(n.metadata.labels?.[LABEL_HOSTNAME], n.metadata.name);
          assertLabels('node', n.metadata.labels);
          const alloc = resourceVectorFromList(n.status?.allocatable);
          const cap = resourceVectorFromList(n.status?.capacity);
          assert.ok(alloc.milliCPU <= cap.milliCPU && alloc.memory <= cap.memory && alloc.allowedPodNumber <= cap.allowedPodNumber);
          const keys = (n.spec?.taints ?? []).map((t) => `${t.key}/${t.effect}`);
          assert.equal(new Set(keys).size, keys.length);
        }),
        params(),
      );
    });

    it('clusters: unique names and uids, bound pods on existing nodes, referenced priority classes exist with matching values', () => {
      fc.assert(
        fc.property(cluster({ maxNodes: 5, maxBoundPods: 6, maxPendingPods: 4 }), (c) => {
          const nodeNames = c.nodes.map((n) => n.metadata.name);
          assert.equal(new Set(nodeNames).size, nodeNames.length);
          const pods = [...c.boundPods, ...c.pendingPods];
          const keys = pods.map((p) => `${p.metadata.namespace}/${p.metadata.name}`);
          assert.equal(new Set(keys).size, keys.length);
          assert.equal(new Set(pods.map((p) => p.metadata.uid)).size, pods.length);
          for (const p of c.boundPods) assert.ok(nodeNames.includes(p.spec?.nodeName), `${p.metadata.name} on ${p.spec?.nodeName}`);
          for (const p of c.pendingPods) assert.equal(p.spec?.nodeName, undefined);
          for (const p of c.boundPods) assert.equal(p.spec?.schedulingGates, undefined, 'a bound pod cannot be gated');
          for (const p of pods) {
            assertPodSemantics(p);
            const name = p.spec?.priorityClassName;
            if (name === undefined) continue;
            const pc = c.priorityClasses.find((x) => x.metadata.name === name);
            assert.ok(pc !== undefined, `missing PriorityClass ${name}`);
            assert.equal(p.spec?.priority, pc.value);
          }
          for (const p of pods) assert.ok(c.namespaces.some((ns) => ns.metadata.name === p.metadata.namespace));
        }),
        params(),
      );
    });

    it('quantity strings parse to the amount they were drawn for', () => {
      fc.assert(
        fc.property(quantityAmount({ unit: 'cpu', max: 64_000 }), quantityAmount({ unit: 'bytes', max: 2 ** 40 }), quantityAmount({ unit: 'count' }), (cpu, mem, count) => {
          assert.equal(parseQuantity(cpu.text).milliValue(), BigInt(cpu.amount), cpu.text);
          assert.equal(parseQuantity(mem.text).value(), BigInt(mem.amount), mem.text);
          assert.equal(parseQuantity(count.text).value(), BigInt(count.amount), count.text);
        }),
        params(),
      );
      fc.assert(fc.property(quantityString({ unit: 'bytes', min: 1, max: 1024 ** 3, step: 1 }), (s) => assert.doesNotThrow(() => parseQuantity(s))), params());
      assert.throws(() => quantityString({ min: 10, max: 5 }), RangeError);
    });
  });

  describe('respect their bounds', () => {
    it('cluster sizes stay within the constraints', () => {
      const constraints = { minNodes: 2, maxNodes: 3, maxBoundPods: 2, minPendingPods: 1, maxPendingPods: 2, maxPodDisruptionBudgets: 0 };
      fc.assert(
        fc.property(cluster(constraints), (c) => {
          assert.ok(c.nodes.length >= 2 && c.nodes.length <= 3);
          assert.ok(c.boundPods.length <= 2);
          assert.ok(c.pendingPods.length >= 1 && c.pendingPods.length <= 2);
          assert.equal(c.podDisruptionBudgets.length, 0);
        }),
        params(),
      );
    });

    it('pod and node amounts stay within the constraints', () => {
      fc.assert(
        fc.property(
          node({ minCpuMilli: 2000, maxCpuMilli: 4000, maxPods: 5, taints: false, unschedulablePercent: 0 }),
          pod({ maxContainers: 1, maxInitContainers: 0, container: { maxCpuMilli: 300, extendedResources: [], hostPorts: [] } }),
          (n, p) => {
            const alloc = resourceVectorFromList(n.status?.allocatable);
            assert.ok(alloc.milliCPU >= 2000 && alloc.milliCPU <= 4000 && alloc.allowedPodNumber <= 5);
            assert.equal(n.spec?.taints, undefined);
            assert.equal(n.spec?.unschedulable, undefined);
            assert.equal(p.spec?.containers.length, 1);
            assert.equal(p.spec?.initContainers, undefined);
            assert.ok(podRequests(p).milliCPU <= 300);
          },
        ),
        params(),
      );
    });
  });

  describe('make matches and mismatches both common', () => {
    it('label selectors match some pods and miss others', () => {
      let matched = 0;
      let missed = 0;
      fc.assert(
        fc.property(labelSelector(), fc.array(labels(), { minLength: 1, maxLength: 4 }), (s, podLabels) => {
          const sel = labelSelectorAsSelector(s);
          for (const l of podLabels) if (sel.matches(l)) matched++;
          else missed++;
        }),
        { ...params(), numRuns: 300 },
      );
      const total = matched + missed;
      assert.ok(matched > total * 0.15 && missed > total * 0.15, `matched ${matched}, missed ${missed}`);
    });

    it('tolerations tolerate some taints and not others', () => {
      let tolerated = 0;
      let not = 0;
      fc.assert(
        fc.property(toleration(), taints({ maxTaints: 2 }), (t, ts) => {
          for (const taint of ts) if (toleratesTaint(t, taint)) tolerated++;
          else not++;
        }),
        { ...params(), numRuns: 300 },
      );
      const total = tolerated + not;
      assert.ok(tolerated > total * 0.15 && not > total * 0.15, `tolerated ${tolerated}, not ${not}`);
    });
  });

  describe('shrink to small counterexamples', () => {
    /** Runs a property expected to fail and returns its minimal counterexample. */
    function minimal<T>(arb: fc.Arbitrary<T>, predicate: (v: T) => boolean): T {
      const details = fc.check(fc.property(arb, predicate), { ...params<[T]>(), numRuns: 1000 });
      assert.ok(details.failed, 'the property should fail');
      return details.counterexample![0];
    }

    it('"no pending pod requests more than 1 cpu" shrinks to one node and one pod with one request', () => {
      const c: Cluster = minimal(cluster({ maxPendingPods: 4 }), (x) => x.pendingPods.every((p) => podRequests(p).milliCPU <= 1000));
      assert.equal(c.nodes.length, 1);
      assert.equal(c.boundPods.length, 0);
      assert.equal(c.pendingPods.length, 1);
      const p = c.pendingPods[0]!;
      // The request may sit in a container, an init container or be split between a container and a
      // sidecar (a local minimum: shrinking either part makes the property pass); the total is the
      // smallest failing one and nothing else is left.
      assert.ok(Object.keys(p.spec!).every((k) => k === 'containers' || k === 'initContainers'), JSON.stringify(p));
      for (const ct of [...(p.spec!.initContainers ?? []), ...p.spec!.containers]) {
        assert.ok(ct.ports === undefined && Object.keys(ct.resources?.requests ?? {}).every((r) => r === 'cpu'), JSON.stringify(p));
      }
      assert.equal(podRequests(p).milliCPU, 1100, JSON.stringify(p));
      assert.deepEqual(p.metadata.labels, undefined);
      // A node shrinks to the hostname label, no taints, smallest amounts.
      assert.deepEqual(c.nodes[0]!.metadata.labels, { [LABEL_HOSTNAME]: 'node-0' });
      assert.equal(c.nodes[0]!.spec, undefined);
    });

    it('"no node is tainted" shrinks to a single taint on a single node', () => {
      const c = minimal(cluster(), (x) => x.nodes.every((n) => (n.spec?.taints ?? []).length === 0));
      assert.equal(c.nodes.length, 1);
      assert.deepEqual(c.nodes[0]!.spec, { taints: [{ key: 'dedicated', effect: 'NoSchedule' }] });
    });
  });
});
