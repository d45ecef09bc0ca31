/**
 * Which of the sandbox's two origins each client takes. RPC (dyvmsapi, dybaseapi) and the control
 * API share one; MNS has its own, as at Alibaba where it is another host. That matters beyond
 * fidelity: `@alicloud/openapi-client` and `@alicloud/mns` in one process share the `httpx` module's
 * keep-alive agent, and an `@alicloud/mns` long poll on a socket an openapi-client call used shortly
 * before fails with a bogus read timeout. See sandbox/README.md, "Endpoints".
 */

/** The two origins, `http://host:port` each. */
export interface SandboxOrigins {
  /** RPC on `/`, the control API under `/__sandbox/`. */
  url: string;
  /** MNS, the receipt queues under `/queues/`. */
  mnsUrl: string;
}

/** The bundle's endpoint variables (shared/config.ts). */
export const ENDPOINT_VARIABLES = ['ALIYUN_VOICE_ENDPOINT', 'ALIYUN_DYBASE_ENDPOINT', 'ALIYUN_MNS_ENDPOINT'] as const;
export type EndpointVariable = (typeof ENDPOINT_VARIABLES)[number];

/** The bundle's three endpoint variables pointed at the sandbox. */
export function endpointVariables(origins: SandboxOrigins): Record<EndpointVariable, string> {
  return {
    ALIYUN_VOICE_ENDPOINT: origins.url,
    ALIYUN_DYBASE_ENDPOINT: origins.url,
    ALIYUN_MNS_ENDPOINT: origins.mnsUrl,
  };
}

/** Each official client's setting, then the bundle's variables, with the value to give it. */
export function clientEndpoints(origins: SandboxOrigins): [client: string, endpoint: string][] {
  const variables = endpointVariables(origins);
  return [
    ['@alicloud/pop-core (endpoint)', origins.url],
    // Tea SDKs take a host name and a protocol, not a URL.
    ['@alicloud/openapi-client (endpoint, protocol HTTP)', new URL(origins.url).host],
    ['@alicloud/mns (endpoint option)', origins.mnsUrl],
    ['ALIYUN_VOICE_ENDPOINT, ALIYUN_DYBASE_ENDPOINT', variables.ALIYUN_VOICE_ENDPOINT],
    ['ALIYUN_MNS_ENDPOINT', variables.ALIYUN_MNS_ENDPOINT],
  ];
}
