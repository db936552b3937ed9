import assert from 'node:assert/strict';
import { ActionType, asStatus, createTestHandle, CycleState, newNodeInfo, type Container, type ContainerPort } from 'kubeprop';
import { frameworkOf, testNode, testPod, type PodObject } from '../test-objects.js';
import { ERR_REASON, NAME, nodePortsPlugin } from './node-ports.js';

const plugin = nodePortsPlugin.create(undefined, createTestHandle());

/** A port spec `protocol/hostIP/hostPort`, with empty parts left unset (`/ /8080` = TCP on 0.0.0.0). */
function port(spec: string): ContainerPort {
  const [protocol, hostIP, hostPort] = spec.split('/');
  const p: ContainerPort = { containerPort: 80, hostPort: Number(hostPort) };
  if (protocol) p.protocol = protocol as NonNullable<ContainerPort['protocol']>;
  if (hostIP) p.hostIP = hostIP;
  return p;
}

/** A pod whose single container has these host ports. */
function withPorts(name: string, ...specs: string[]): PodObject {
  return testPod(name, { containers: [{ name: 'main', image: 'busybox', ports: specs.map(port) }] });
}

/** PreFilter then Filter through the framework for `pod` on a node running `existing`. */
function run(pod: PodObject, existing: PodObject[]): string {
  const fw = frameworkOf([{ name: NAME, instance: plugin }]);
  const state = new CycleState();
  const ni = newNodeInfo(testNode('n1'), existing.map((p) => ({ ...p, spec: { ...p.spec!, nodeName: 'n1' } })));
  const pre = fw.runPreFilterPlugins(state, pod, [ni]);
  assert.equal(pre.status.code, 'Success');
  if (state.skipFilterPlugins.has(NAME)) return 'skipped';
  const s = fw.runFilterPlugins(state, pod, ni);
  if (s.code === 'Success') return 'fits';
  assert.equal(s.plugin, NAME);
  assert.deepEqual(s.reasons, [ERR_REASON]);
  return s.code;
}

const sidecar = (name: string, ...specs: string[]): Container => ({ name, image: 'proxy', restartPolicy: 'Always', ports: specs.map(port) });
const initOnly = (name: string, ...specs: string[]): Container => ({ name, image: 'setup', ports: specs.map(port) });

describe('NodePorts', () => {
  it('is named as upstream', () => {
    assert.equal(NAME, 'NodePorts');
    assert.equal(nodePortsPlugin.name, NAME);
    assert.equal(ERR_REASON, "node(s) didn't have free ports for the requested pod ports");
  });

  const table: [what: string, pod: PodObject, existing: PodObject[], expected: string][] = [
    ['no host ports: PreFilter skips', testPod('p'), [withPorts('e', 'TCP//8080')], 'skipped'],
    ['a container port without a host port: skipped', testPod('p', { containers: [{ name: 'c', image: 'x', ports: [{ containerPort: 8080 }] }] }), [], 'skipped'],
    ['nothing running', withPorts('p', 'UDP/127.0.0.1/8080'), [], 'fits'],
    ['another port', withPorts('p', 'UDP/127.0.0.1/8080'), [withPorts('e', 'UDP/127.0.0.1/9090')], 'fits'],
    ['the same UDP port', withPorts('p', 'UDP/127.0.0.1/8080'), [withPorts('e', 'UDP/127.0.0.1/8080')], 'Unschedulable'],
    ['the same TCP port', withPorts('p', 'TCP/127.0.0.1/8080'), [withPorts('e', 'TCP/127.0.0.1/8080')], 'Unschedulable'],
    ['another host IP', withPorts('p', 'TCP/127.0.0.1/8080'), [withPorts('e', 'TCP/127.0.0.2/8080')], 'fits'],
    ['another protocol', withPorts('p', 'UDP/127.0.0.1/8080'), [withPorts('e', 'TCP/127.0.0.1/8080')], 'fits'],
    ['one of several ports conflicts', withPorts('p', 'UDP/127.0.0.1/8000', 'UDP/127.0.0.1/8080'), [withPorts('e', 'UDP/127.0.0.1/8080')], 'Unschedulable'],
    ['wanted 0.0.0.0 conflicts with a specific IP', withPorts('p', 'TCP/0.0.0.0/8001'), [withPorts('e', 'TCP/10.0.10.10/8001')], 'Unschedulable'],
    ['a wanted specific IP conflicts with 0.0.0.0 in use', withPorts('p', 'TCP/10.0.10.10/8001'), [withPorts('e', 'TCP/0.0.0.0/8001')], 'Unschedulable'],
    ['0.0.0.0 with another protocol', withPorts('p', 'UDP/0.0.0.0/8001'), [withPorts('e', 'TCP/10.0.10.10/8001')], 'fits'],
    ['an empty host IP means 0.0.0.0', withPorts('p', 'TCP//8001'), [withPorts('e', 'TCP/10.0.10.10/8001')], 'Unschedulable'],
    ['an empty protocol means TCP', withPorts('p', '/127.0.0.1/8001'), [withPorts('e', 'TCP/127.0.0.1/8001')], 'Unschedulable'],
    ['an empty protocol is not UDP', withPorts('p', '/127.0.0.1/8001'), [withPorts('e', 'UDP/127.0.0.1/8001')], 'fits'],
    ['a sidecar of the incoming pod holds its port', testPod('p', { initContainers: [sidecar('proxy', 'TCP//15001')] }), [withPorts('e', 'TCP//15001')], 'Unschedulable'],
    ['a sidecar of a running pod holds its port', withPorts('p', 'TCP//15001'), [testPod('e', { initContainers: [sidecar('proxy', 'TCP//15001')] })], 'Unschedulable'],
    ['an ordinary init container of the incoming pod holds no port', testPod('p', { initContainers: [initOnly('setup', 'TCP//15001')] }), [withPorts('e', 'TCP//15001')], 'skipped'],
    ['an ordinary init container of a running pod holds no port', withPorts('p', 'TCP//15001'), [testPod('e', { initContainers: [initOnly('setup', 'TCP//15001')] })], 'fits'],
  ];
  for (const [what, pod, existing, expected] of table) {
    it(`${what} ⇒ ${expected}`, () => {
      assert.equal(run(pod, existing), expected);
    });
  }

  it('Filter without PreFilter is an Error, as upstream', () => {
    const s = asStatus(plugin.filter!(new CycleState(), withPorts('p', 'TCP//80'), newNodeInfo(testNode('n1'))));
    assert.equal(s.code, 'Error');
    assert.deepEqual(s.reasons, ['reading "PreFilterNodePorts" from cycleState: not found']);
  });

  describe('events', () => {
    const events = plugin.eventsToRegister!();
    const hint = events[0]!.queueingHintFn!;
    const pod = withPorts('p', 'TCP//8080');
    const bound = (p: PodObject): PodObject => ({ ...p, spec: { ...p.spec!, nodeName: 'n1' } });

    it('registers Pod Delete (with a hint) and Node Add', () => {
      assert.deepEqual(
        events.map((e) => e.event),
        [
          { resource: 'Pod', actionType: ActionType.Delete },
          { resource: 'Node', actionType: ActionType.Add },
        ],
      );
      assert.equal(events[1]!.queueingHintFn, undefined);
    });

    const table: [what: string, deleted: PodObject, expected: string][] = [
      ['a bound pod holding the wanted port', bound(withPorts('e', 'TCP//8080')), 'Queue'],
      ['a nominated pod holding the wanted port', { ...withPorts('e', 'TCP//8080'), status: { nominatedNodeName: 'n1' } }, 'Queue'],
      ['an unscheduled pod', withPorts('e', 'TCP//8080'), 'QueueSkip'],
      ['a bound pod without host ports', bound(testPod('e')), 'QueueSkip'],
      ['a bound pod holding other ports', bound(withPorts('e', 'TCP//9090', 'UDP//8080')), 'QueueSkip'],
      ['a bound pod whose sidecar held the port', bound(testPod('e', { initContainers: [sidecar('proxy', 'TCP//8080')] })), 'Queue'],
    ];
    for (const [what, deleted, expected] of table) {
      it(`deleted ${what} ⇒ ${expected}`, () => {
        assert.equal(hint(pod, deleted, undefined), expected);
      });
    }

    it('queues when the event carries no pod', () => {
      assert.equal(hint(pod, undefined, undefined), 'Queue');
    });
  });
});
