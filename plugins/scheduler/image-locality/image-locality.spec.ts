import assert from 'node:assert/strict';
import { createTestHandle, CycleState, type Container, type ContainerImage } from 'kubeprop';
import { frameworkOf, testNode, testPod, type NodeObject, type PodObject } from '../test-objects.js';
import { calculatePriority, imageLocalityPlugin, MAX_CONTAINER_THRESHOLD_BYTES, MIN_THRESHOLD_BYTES, NAME, scaledImageScore } from './image-locality.js';

const MB = 1024 * 1024;

function withImages(name: string, ...images: ContainerImage[]): NodeObject {
  return testNode(name, {}, { status: { images } });
}
const image = (sizeMb: number, ...names: string[]): ContainerImage => ({ names, sizeBytes: sizeMb * MB });
const containers = (...images: string[]): Container[] => images.map((img, i) => ({ name: `c${i}`, image: img }));
function running(...images: string[]): PodObject {
  return testPod('p', { containers: containers(...images) });
}

// The nodes of upstream's image_locality_test.go, sizes in MiB.
const n1 = withImages('n1', image(40, 'gcr.io/40:latest', 'gcr.io/40:v1'), image(300, 'gcr.io/300:latest', 'gcr.io/300:v1'), image(2000, 'gcr.io/2000:latest'));
const n2 = withImages('n2', image(250, 'gcr.io/250:latest'), image(10, 'gcr.io/10:latest', 'gcr.io/10:v1'));
const n3 = withImages('n3', image(40, 'gcr.io/40:latest'));

/** The scores of `pod` on `nodes`, straight from Score and through the framework (weight 1). */
function scores(pod: PodObject, nodes: NodeObject[]): number[] {
  const handle = createTestHandle({ nodes });
  const plugin = imageLocalityPlugin.create(undefined, handle);
  const infos = nodes.map((n) => handle.snapshot().get(n.metadata.name!)!);
  const direct = infos.map((ni) => plugin.score!(new CycleState(), pod, ni) as number);
  const out = frameworkOf([{ name: NAME, instance: plugin }]).runScorePlugins(new CycleState(), pod, infos);
  assert.equal(out.status.code, 'Success', out.status.reasons.join('; '));
  assert.deepEqual(
    out.scores.map((s) => s.scores.get(NAME)),
    direct,
  );
  return direct;
}

describe('ImageLocality', () => {
  it('is named as upstream, with upstream thresholds', () => {
    assert.equal(NAME, 'ImageLocality');
    assert.equal(imageLocalityPlugin.name, NAME);
    assert.equal(MIN_THRESHOLD_BYTES, 23 * MB);
    assert.equal(MAX_CONTAINER_THRESHOLD_BYTES, 1000 * MB);
  });

  describe('Score', () => {
    const table: [what: string, pod: PodObject, nodes: NodeObject[], expected: number[]][] = [
      // n1: (40 + 300) MiB × 1/2 spread = 170 MiB ⇒ 100·(170 − 23)/(2000 − 23) = 7.
      ['two images on one of two nodes', running('gcr.io/40', 'gcr.io/300'), [n1, n2], [7, 0]],
      // n2: (250 + 10) × 1/2 = 130 MiB ⇒ 100·107/1977 = 5.
      ['the other node’s images', running('gcr.io/250', 'gcr.io/10'), [n1, n2], [0, 5]],
      // n1: 2000 × 1/2 = 1000 MiB ⇒ 100·977/1977 = 49; n2: 10 × 1/2 = 5 MiB is below 23 MiB ⇒ 0.
      ['a large image, and one below the minimum', running('gcr.io/2000', 'gcr.io/10'), [n1, n2], [49, 0]],
      // gcr.io/40 is on 2 of 3 nodes (40 × 2/3 = 26.67 MiB), gcr.io/300 on 1 (100 MiB): n1 sums
      // 126.67 MiB ⇒ 100·103.67/1977 = 5; n3 only 26.67 MiB ⇒ 100·3.67/1977 = 0.
      ['spread lowers the score of a common image', running('gcr.io/40', 'gcr.io/300'), [n1, n2, n3], [5, 0, 0]],
      // 300 × 1/2 = 150 MiB ⇒ 100·127/977 = 12.
      ['one container: the range is 23..1000 MiB', running('gcr.io/300:latest'), [n1, n2], [12, 0]],
      ['the sum is capped at 1000 MiB per container', running('gcr.io/2000:latest'), [n1], [100]],
      ['no image present anywhere', running('nginx'), [n1, n2], [0, 0]],
      // 300 MiB on the only node ⇒ 100·277/977 = 28.
      ['an image without a tag matches :latest', running('gcr.io/300'), [n1], [28]],
      ['another tag of the same image is another image', running('gcr.io/300:v2'), [n1], [0]],
      ['a node lists extra tags of an image', running('gcr.io/300:v1'), [n1], [28]],
      [
        'init containers count, and raise the maximum',
        testPod('p', { initContainers: containers('gcr.io/300'), containers: containers('gcr.io/40') }),
        [n1, n2],
        [7, 0],
      ],
    ];
    for (const [what, pod, nodes, expected] of table) {
      it(`${what} ⇒ ${JSON.stringify(expected)}`, () => {
        assert.deepEqual(scores(pod, nodes), expected);
      });
    }

    it('takes the cluster size from the snapshot', () => {
      // The same node scores lower once more nodes exist (none of them with the image):
      // 2000 MiB × 1/2 is capped at 1000 ⇒ 100; × 1/4 = 500 MiB ⇒ 100·477/977 = 48.
      const pod = running('gcr.io/2000:latest');
      assert.deepEqual(scores(pod, [n1]), [100]);
      assert.deepEqual(scores(pod, [n1, n2]), [100, 0]);
      assert.deepEqual(scores(pod, [n1, n2, n3, testNode('n4')]), [48, 0, 0, 0]);
    });
  });

  describe('formulas', () => {
    it('scaledImageScore truncates size × numNodes / totalNodes computed in float64', () => {
      assert.equal(scaledImageScore({ sizeBytes: 100, numNodes: 1 }, 3), 33);
      assert.equal(scaledImageScore({ sizeBytes: 40 * MB, numNodes: 2 }, 3), Math.trunc(40 * MB * (2 / 3)));
      assert.equal(scaledImageScore({ sizeBytes: 7, numNodes: 5 }, 5), 7);
    });

    const table: [sumBytes: number, numContainers: number, expected: number][] = [
      [0, 1, 0],
      [MIN_THRESHOLD_BYTES, 1, 0],
      [1000 * MB, 1, 100],
      [5000 * MB, 1, 100],
      [1000 * MB, 2, 49],
      [2000 * MB, 2, 100],
      // A pod without containers has no images, so its sum is 0, clamped to the minimum: score 0.
      [0, 0, 0],
    ];
    for (const [sumBytes, numContainers, expected] of table) {
      it(`calculatePriority(${sumBytes / MB} MiB, ${numContainers} containers) = ${expected}`, () => {
        assert.ok(Object.is(calculatePriority(sumBytes, numContainers), expected));
      });
    }
  });
});

describe('ImageLocality: nodes sharing their image states', () => {
  it('nodes with the same images share one map, and each cycle scores every node as on its own', () => {
    const same1 = withImages('s1', image(300, 'gcr.io/300:latest'));
    const same2 = withImages('s2', image(300, 'gcr.io/300:latest'));
    const other = withImages('o', image(40, 'gcr.io/40:latest'));
    const handle = createTestHandle({ nodes: [same1, other, same2] });
    const infos = ['s1', 'o', 's2'].map((n) => handle.snapshot().get(n)!);
    assert.equal(infos[0]!.imageStates, infos[2]!.imageStates, 'one map for the same image names');
    assert.notEqual(infos[0]!.imageStates, infos[1]!.imageStates);
    const plugin = imageLocalityPlugin.create(undefined, handle);
    const pod = running('gcr.io/300');
    // In one cycle, in an order that alternates between maps.
    const state = new CycleState();
    const inOneCycle = infos.map((ni) => plugin.score!(state, pod, ni) as number);
    const alone = infos.map((ni) => plugin.score!(new CycleState(), pod, ni) as number);
    // 300 MiB × 2/3 = 200 MiB ⇒ 100·177/977 = 18.
    assert.deepEqual(inOneCycle, [18, 0, 18]);
    assert.deepEqual(alone, inOneCycle);
    // Another pod in the same CycleState object (as conformance harnesses may do) is scored afresh.
    assert.equal(plugin.score!(state, running('gcr.io/40'), infos[1]!), 0);
    assert.equal(plugin.score!(state, running('gcr.io/40'), infos[0]!), 0);
  });
});

