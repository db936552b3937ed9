/**
 * kube-proxy's public surface, for `core/index.ts` to re-export: the per-node proxy actor and the
 * routing computation it applies.
 */
export {
  isKubeProxyPayload,
  KubeProxy,
  MIN_SYNC_PERIOD_DEFAULT_MS,
  type KubeProxyActorSystem,
  type KubeProxyHostActor,
  type KubeProxyOptions,
  type KubeProxyPayload,
  type KubeProxyState,
  type RoutingTable,
} from './kube-proxy.js';
export {
  hostPort,
  LABEL_SERVICE_NAME,
  PROXY_LABEL_SELECTOR,
  routeKey,
  serviceClusterIPs,
  servicePortEndpoints,
  serviceRoutes,
  usableEndpoints,
  type ProxyEndpoint,
  type ServiceRoutes,
} from './service-routing.js';
