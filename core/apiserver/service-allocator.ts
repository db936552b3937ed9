/**
 * ClusterIP and NodePort allocation for Services, shared by every API server instance (upstream
 * keeps this state in etcd).
 *
 * Upstream: `pkg/registry/core/service/ipallocator/` and `portallocator/` (bitmap allocators) and
 * `pkg/registry/core/service/storage/alloc.go` (`allocateCreate`, `allocateUpdate`,
 * `patchAllocatedValues`, release on delete). Upstream draws dynamic values at random, preferring
 * the upper part of the range and leaving a lower band for static choices; kubeprop takes the
 * same split but hands out dynamic values in ascending order, so runs are deterministic. IPv4
 * single-stack only.
 */
import { invalidError, type FieldError } from '../api/validation-errors.js';
import { ConfigError } from '../errors.js';
import { arrAt, isObj, mapObjects, objAt, strAt, withField, type Obj } from './json-fields.js';

/** The default `--service-cluster-ip-range` of kubeadm clusters. */
export const DEFAULT_SERVICE_CIDR = '10.96.0.0/12';
/** The default `--service-node-port-range`. */
export const DEFAULT_NODE_PORT_RANGE = '30000-32767';

function parseIpv4(text: string): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (m === null) return undefined;
  let n = 0;
  for (let i = 1; i <= 4; i++) {
    const octet = Number(m[i]);
    if (octet > 255 || ((m[i] as string).length > 1 && (m[i] as string).startsWith('0'))) return undefined;
    n = n * 256 + octet;
  }
  return n;
}

function formatIpv4(n: number): string {
  return `${Math.floor(n / 16_777_216) % 256}.${Math.floor(n / 65_536) % 256}.${Math.floor(n / 256) % 256}.${n % 256}`;
}

/** Upstream `calculateRangeOffset`: the size of the lower band kept for static choices. */
function staticBand(size: number, min: number, max: number, divisor: number): number {
  return Math.min(Math.max(min, Math.floor(size / divisor)), max);
}

/** A bitmap-like allocator over `[0, size)` with an ascending dynamic cursor from `dynamicStart`. */
class RangeAllocator {
  readonly #used = new Set<number>();
  #cursor: number;

  constructor(
    readonly size: number,
    readonly dynamicStart: number,
  ) {
    this.#cursor = dynamicStart;
  }

  has(i: number): boolean {
    return this.#used.has(i);
  }

  take(i: number): void {
    this.#used.add(i);
  }

  release(i: number): void {
    this.#used.delete(i);
  }

  /**
   * The next free index: ascending from the cursor through the upper (dynamic) band, wrapping
   * within it, then the lower (static) band when the upper one is full.
   */
  next(): number | undefined {
    if (this.#used.size >= this.size) return undefined;
    const upper = this.size - this.dynamicStart;
    for (let step = 0; step < upper; step++) {
      const i = this.dynamicStart + ((this.#cursor - this.dynamicStart + step) % upper);
      if (!this.#used.has(i)) return this.#claim(i);
    }
    for (let i = 0; i < this.dynamicStart; i++) if (!this.#used.has(i)) return this.#claim(i);
    return undefined;
  }

  #claim(i: number): number {
    this.#used.add(i);
    if (i >= this.dynamicStart) this.#cursor = i + 1 >= this.size ? this.dynamicStart : i + 1;
    return i;
  }
}

/** What an allocation did, so a failed request can undo it. */
export interface AllocationRecord {
  readonly ips: readonly string[];
  readonly ports: readonly number[];
}

/** Outcome of allocating for a Service: the Service with its values, or field errors (422). */
export type AllocationOutcome =
  | { readonly ok: true; readonly object: Readonly<Obj>; readonly allocated: AllocationRecord }
  | { readonly ok: false; readonly errors: readonly FieldError[] };

const NONE: AllocationRecord = Object.freeze({ ips: Object.freeze([]), ports: Object.freeze([]) });

/** See the module comment. */
export class ServiceAllocator {
  readonly #base: number;
  readonly #cidr: string;
  readonly #ips: RangeAllocator;
  readonly #portBase: number;
  readonly #portRange: string;
  readonly #ports: RangeAllocator;

  constructor(cidr: string = DEFAULT_SERVICE_CIDR, nodePortRange: string = DEFAULT_NODE_PORT_RANGE) {
    const m = /^([0-9.]+)\/(\d{1,2})$/.exec(cidr);
    const network = m === null ? undefined : parseIpv4(m[1] as string);
    const bits = m === null ? NaN : Number(m[2]);
    if (network === undefined || !(bits >= 8 && bits <= 30)) throw new ConfigError(`service cluster IP range ${JSON.stringify(cidr)} is not an IPv4 CIDR between /8 and /30`);
    const total = 2 ** (32 - bits);
    // The network and broadcast addresses are never handed out.
    this.#base = network - (network % total) + 1;
    this.#cidr = cidr;
    const ipCount = total - 2;
    this.#ips = new RangeAllocator(ipCount, staticBand(ipCount, 16, 256, 16));
    const pm = /^(\d+)-(\d+)$/.exec(nodePortRange);
    const lo = pm === null ? NaN : Number(pm[1]);
    const hi = pm === null ? NaN : Number(pm[2]);
    if (!(lo >= 1 && hi <= 65_535 && lo <= hi)) throw new ConfigError(`service node port range ${JSON.stringify(nodePortRange)} is not of the form LOW-HIGH`);
    this.#portBase = lo;
    this.#portRange = nodePortRange;
    const portCount = hi - lo + 1;
    this.#ports = new RangeAllocator(portCount, staticBand(portCount, 16, 128, 32));
  }

  /** Marks the values of an existing Service as taken (at start-up, from what the store holds). */
  adopt(service: Readonly<Obj>): void {
    const spec = objAt(service, 'spec');
    for (const ip of this.#ipsOf(spec)) {
      const i = this.#ipIndex(ip);
      if (i !== undefined) this.#ips.take(i);
    }
    for (const port of nodePortsOf(spec)) {
      const i = port - this.#portBase;
      if (i >= 0 && i < this.#ports.size) this.#ports.take(i);
    }
  }

  /** Gives back what `allocated` took (a failed request). */
  undo(allocated: AllocationRecord): void {
    for (const ip of allocated.ips) {
      const i = this.#ipIndex(ip);
      if (i !== undefined) this.#ips.release(i);
    }
    for (const port of allocated.ports) this.#ports.release(port - this.#portBase);
  }

  /** Releases everything a Service held (it was removed from the store). */
  releaseAll(service: Readonly<Obj>): void {
    const spec = objAt(service, 'spec');
    this.undo({ ips: this.#ipsOf(spec), ports: nodePortsOf(spec) });
  }

  /**
   * Allocates for a Service being created (`old` absent) or updated: the cluster IP (kept from the
   * stored Service when the update leaves it out; immutable otherwise), and node ports for
   * NodePort and LoadBalancer Services (kept from the stored port with the same port and
   * protocol when left out). Node ports the update drops are released by `commitUpdate`.
   */
  allocate(service: Readonly<Obj>, old: Readonly<Obj> | undefined): AllocationOutcome {
    const spec = objAt(service, 'spec');
    if (spec === undefined) return { ok: true, object: service, allocated: NONE };
    const oldSpec = objAt(old, 'spec');
    const errors: FieldError[] = [];
    const ips: string[] = [];
    const ports: number[] = [];
    let s = spec;
    const type = strAt(s, 'type') ?? 'ClusterIP';

    if (type !== 'ExternalName') {
      let clusterIp = strAt(s, 'clusterIP') ?? '';
      const oldIp = strAt(oldSpec, 'clusterIP') ?? '';
      if (clusterIp === '' && oldIp !== '') {
        // patchAllocatedValues: an update that leaves the allocated IP out keeps it.
        s = withField(withField(s, 'clusterIP', oldIp), 'clusterIPs', arrAt(oldSpec, 'clusterIPs') ?? [oldIp]);
        if (oldSpec?.ipFamilies !== undefined) s = withField(s, 'ipFamilies', oldSpec.ipFamilies);
        if (oldSpec?.ipFamilyPolicy !== undefined) s = withField(s, 'ipFamilyPolicy', oldSpec.ipFamilyPolicy);
        clusterIp = oldIp;
      } else if (old !== undefined && oldIp !== '' && clusterIp !== oldIp) {
        errors.push(invalidError(['spec', 'clusterIPs', 0], `[]string{${JSON.stringify(clusterIp)}}`, 'may not change once set'));
      } else if (old === undefined || oldIp === '') {
        if (clusterIp === 'None') {
          // Headless: nothing to allocate.
        } else if (clusterIp === '') {
          const i = this.#ips.next();
          if (i === undefined) errors.push(invalidError(['spec', 'clusterIPs'], null, `failed to allocate IP: range is full`));
          else {
            clusterIp = formatIpv4(this.#base + i);
            ips.push(clusterIp);
          }
        } else {
          const i = this.#ipIndex(clusterIp);
          if (i === undefined) {
            errors.push(invalidError(['spec', 'clusterIPs', 0], clusterIp, `failed to allocate IP ${clusterIp}: the provided IP (${clusterIp}) is not in the valid range. The range of valid IPs is ${this.#cidr}`));
          } else if (this.#ips.has(i)) {
            errors.push(invalidError(['spec', 'clusterIPs', 0], clusterIp, `failed to allocate IP ${clusterIp}: provided IP is already allocated`));
          } else {
            this.#ips.take(i);
            ips.push(clusterIp);
          }
        }
        if (clusterIp !== '') {
          s = withField(s, 'clusterIP', clusterIp);
          s = withField(s, 'clusterIPs', [clusterIp]);
          if (s.ipFamilies === undefined) s = withField(s, 'ipFamilies', ['IPv4']);
          if (s.ipFamilyPolicy === undefined) s = withField(s, 'ipFamilyPolicy', 'SingleStack');
        }
      }
    }

    const needsNodePorts = type === 'NodePort' || (type === 'LoadBalancer' && s.allocateLoadBalancerNodePorts !== false);
    const specPorts = arrAt(s, 'ports');
    if (needsNodePorts && specPorts !== undefined) {
      const oldPorts = arrAt(oldSpec, 'ports') ?? [];
      const nextPorts = mapObjects(specPorts, (p) => {
        if (errors.length > 0) return p;
        const index = specPorts.indexOf(p);
        const given = p.nodePort;
        if (typeof given === 'number' && given !== 0) {
          const keptFromOld = oldPorts.some((o) => isObj(o) && o.nodePort === given);
          if (keptFromOld) return p;
          const i = given - this.#portBase;
          if (i < 0 || i >= this.#ports.size) {
            errors.push(invalidError(['spec', 'ports', index, 'nodePort'], given, `provided port is not in the valid range. The range of valid ports is ${this.#portRange}`));
          } else if (this.#ports.has(i) || ports.includes(given)) {
            errors.push(invalidError(['spec', 'ports', index, 'nodePort'], given, 'provided port is already allocated'));
          } else {
            this.#ports.take(i);
            ports.push(given);
          }
          return p;
        }
        const match = oldPorts.find((o) => isObj(o) && o.port === p.port && (o.protocol ?? 'TCP') === (p.protocol ?? 'TCP') && typeof o.nodePort === 'number');
        if (isObj(match)) return withField(p, 'nodePort', match.nodePort);
        const i = this.#ports.next();
        if (i === undefined) {
          errors.push(invalidError(['spec', 'ports', index, 'nodePort'], 0, 'range is full'));
          return p;
        }
        ports.push(this.#portBase + i);
        return withField(p, 'nodePort', this.#portBase + i);
      });
      s = withField(s, 'ports', nextPorts);
    }

    const allocated: AllocationRecord = { ips, ports };
    if (errors.length > 0) {
      this.undo(allocated);
      return { ok: false, errors };
    }
    return { ok: true, object: withField(service, 'spec', s), allocated };
  }

  /** After a successful update: releases the old Service's values the new one no longer holds. */
  commitUpdate(old: Readonly<Obj>, next: Readonly<Obj>): void {
    const keepIps = new Set(this.#ipsOf(objAt(next, 'spec')));
    const keepPorts = new Set(nodePortsOf(objAt(next, 'spec')));
    this.undo({
      ips: this.#ipsOf(objAt(old, 'spec')).filter((ip) => !keepIps.has(ip)),
      ports: nodePortsOf(objAt(old, 'spec')).filter((p) => !keepPorts.has(p)),
    });
  }

  #ipIndex(ip: string): number | undefined {
    const n = parseIpv4(ip);
    if (n === undefined) return undefined;
    const i = n - this.#base;
    return i >= 0 && i < this.#ips.size ? i : undefined;
  }

  #ipsOf(spec: Readonly<Obj> | undefined): string[] {
    const list = arrAt(spec, 'clusterIPs');
    const out = new Set<string>();
    if (list !== undefined) for (const ip of list) if (typeof ip === 'string' && ip !== 'None' && ip !== '') out.add(ip);
    const single = strAt(spec, 'clusterIP');
    if (single !== undefined && single !== 'None' && single !== '') out.add(single);
    return [...out];
  }
}

function nodePortsOf(spec: Readonly<Obj> | undefined): number[] {
  const out: number[] = [];
  for (const p of arrAt(spec, 'ports') ?? []) if (isObj(p) && typeof p.nodePort === 'number' && p.nodePort !== 0) out.push(p.nodePort);
  return out;
}
