// The `incluster` entry point for test code: the Vitest fixtures and the watch-backed waits.
// Programmatic use of up/run/trace lives in `incluster/api`; the marker in `incluster/trace`.
export { clusterTest, test, keepOnFailure } from './vitest/test.ts';
export type {
  ConnectToService,
  Deploy,
  DeployInput,
  InclusterSettings,
  InstallChart,
} from './vitest/test.ts';
export type { HelmChartInput, HelmRelease } from './vitest/helm.ts';
export type { PostgresConnection } from './vitest/postgres.ts';
export { RedisReplyError } from './vitest/redis.ts';
export type { RedisConnection, RedisReply } from './vitest/redis.ts';
export type { ServiceEndpoint, ServiceOptions } from './vitest/service.ts';
export type { EnvVar, Readiness, ServiceContract, ServicePort } from './services/contract.ts';
export type { KubeClient } from './kube/client.ts';
export { waitFor, WaitTimeoutError, WaitImpossibleError, DEFAULT_WAIT_TIMEOUT_MS } from './kube/wait.ts';
export type { Condition, ConditionView, Verdict, WaitOptions } from './kube/wait.ts';
export {
  podReady,
  deploymentAvailable,
  statefulSetReady,
  daemonSetReady,
  jobComplete,
  jobFinished,
  serviceHasEndpoints,
  deleted,
  nodeReady,
  namespaceWorkloadsReady,
  match,
} from './kube/conditions.ts';
export type { KindRef, PodJudgement } from './kube/conditions.ts';
export type { KubeObject } from './kube/manifests.ts';
