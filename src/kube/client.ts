// One handle on a cluster: the kubeconfig, typed API clients whose calls retry transient failures,
// and a raw JSON request for any kind (server-side apply, discovery, lists of arbitrary resources).
import { existsSync } from 'node:fs';
import { isIPv6 } from 'node:net';
import { delimiter } from 'node:path';
import {
  ApiException,
  AppsV1Api,
  AuthorizationV1Api,
  BatchV1Api,
  CoreV1Api,
  DiscoveryV1Api,
  HttpMethod,
  IsomorphicFetchHttpLibrary,
  KubeConfig,
  KubernetesObjectApi,
  RbacAuthorizationV1Api,
  RequestContext,
  Watch,
} from '@kubernetes/client-node';
import { firstLine, InfrastructureError, UsageError } from '../errors.ts';
import { describeKubeError, statusOf } from './api-error.ts';
import {
  clientCertificateProblem,
  describeServerCertificate,
  presentedCertificate,
  tlsFailureCode,
  type CertificateDates,
} from './certificate.ts';
import { defaultKubeconfigFiles, runningInPod, SERVICE_ACCOUNT_DIR } from './credentials.ts';
import { isTransient, neverReachedServer, retrying, withRetry, type RetryOptions } from './retry.ts';
import { redactor as sharedRedactor, type Redactor } from '../redaction/redactor.ts';

/** Where credentials come from; everything is optional. */
export interface KubeClientOptions {
  /** A kubeconfig file; when given it wins even inside a pod. */
  kubeconfig?: string;
  /** A context of that kubeconfig; default its current context. */
  context?: string;
  /** Environment to read KUBECONFIG/KUBERNETES_SERVICE_HOST from; default process.env. */
  env?: NodeJS.ProcessEnv;
  /** Root prefix of the service-account directory (tests point it at a temporary directory). */
  serviceAccountRoot?: string;
  retry?: RetryOptions;
  /** Where Secret values read through the client are registered; default the process-wide one. */
  redactor?: Redactor;
}

/** Options of a raw JSON request. */
export interface RawRequest {
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  contentType?: string;
  signal?: AbortSignal;
}

/** The typed clients, the raw request and the identity in use; what every kube module takes. */
export interface KubeClient {
  readonly config: KubeConfig;
  /** How the client authenticated: the in-cluster service account or a kubeconfig file. */
  readonly source: { kind: 'in-cluster' } | { kind: 'kubeconfig'; files: string[]; context: string };
  readonly server: string;
  readonly core: CoreV1Api;
  readonly apps: AppsV1Api;
  readonly batch: BatchV1Api;
  readonly rbac: RbacAuthorizationV1Api;
  readonly authorization: AuthorizationV1Api;
  readonly discovery: DiscoveryV1Api;
  readonly objects: KubernetesObjectApi;
  readonly watch: Watch;
  /** Knows every Secret value read through this client, so logs and bundles can hide them. */
  readonly redactor: Redactor;
  /** A JSON request to an API path, retried when transient; throws ApiException on a non-2xx status. */
  request<T = unknown>(method: HttpMethod, path: string, options?: RawRequest): Promise<T>;
  /** Resolves when the API server answers; throws InfrastructureError('ClusterUnreachable') otherwise. */
  ping(signal?: AbortSignal): Promise<{ gitVersion: string }>;
}

/** Builds a client: explicit kubeconfig, else the in-cluster identity in a pod, else $KUBECONFIG, else ~/.kube/config. */
export function createKubeClient(options: KubeClientOptions = {}): KubeClient {
  const env = options.env ?? process.env;
  const kc = new KubeConfig();
  let source: KubeClient['source'];
  if (!options.kubeconfig && runningInPod(env, options.serviceAccountRoot)) {
    loadInCluster(kc, env, options.serviceAccountRoot ?? '');
    source = { kind: 'in-cluster' };
  } else {
    const files = kubeconfigFiles(options.kubeconfig, env);
    for (const [index, file] of files.entries()) {
      const part = index === 0 ? kc : new KubeConfig();
      try {
        part.loadFromFile(file);
      } catch (error) {
        throw new UsageError(
          `kubeconfig ${file} cannot be read: ${firstLine(error instanceof Error ? error.message : String(error))}`,
          { cause: error },
        );
      }
      if (part !== kc) kc.mergeConfig(part);
    }
    if (options.context) {
      if (!kc.getContextObject(options.context)) {
        const known = kc.getContexts().map((c) => c.name);
        throw new UsageError(
          `context \`${options.context}\` is not in ${files.join(', ')} (contexts: ${known.join(', ') || 'none'})`,
        );
      }
      kc.setCurrentContext(options.context);
    }
    source = { kind: 'kubeconfig', files, context: kc.getCurrentContext() };
  }
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new UsageError(`kubeconfig context \`${kc.getCurrentContext()}\` names no cluster`);
  const retry = options.retry ?? {};
  const http = new IsomorphicFetchHttpLibrary();
  const redactor = options.redactor ?? sharedRedactor;

  const request = async <T>(method: HttpMethod, path: string, req: RawRequest = {}): Promise<T> =>
    withRetry(
      async () => {
        const url = new URL(cluster.server.replace(/\/$/, '') + path);
        for (const [key, value] of Object.entries(req.query ?? {}))
          if (value !== undefined) url.searchParams.set(key, String(value));
        const ctx = new RequestContext(url.toString(), method);
        ctx.setHeaderParam('Accept', 'application/json');
        if (req.body !== undefined) {
          ctx.setHeaderParam('Content-Type', req.contentType ?? 'application/json');
          ctx.setBody(typeof req.body === 'string' ? req.body : JSON.stringify(req.body));
        }
        if (req.signal) ctx.setSignal(req.signal);
        await kc.applySecurityAuthentication(ctx);
        const response = await http.send(ctx).toPromise();
        const text = await response.body.text();
        const parsed = parseJson(text);
        if (response.httpStatusCode >= 200 && response.httpStatusCode < 300) {
          redactor.learnFrom(parsed);
          return parsed as T;
        }
        throw new ApiException(response.httpStatusCode, `${method} ${path}`, parsed, response.headers);
      },
      { ...retry, signal: req.signal ?? retry.signal },
      // A POST creates: sent again after the server may have acted, it could create twice (retry.ts).
      method === HttpMethod.POST ? neverReachedServer : isTransient,
    );

  const client: KubeClient = {
    config: kc,
    source,
    server: cluster.server,
    core: learningSecrets(retrying(kc.makeApiClient(CoreV1Api), retry), redactor),
    apps: retrying(kc.makeApiClient(AppsV1Api), retry),
    batch: retrying(kc.makeApiClient(BatchV1Api), retry),
    rbac: retrying(kc.makeApiClient(RbacAuthorizationV1Api), retry),
    authorization: retrying(kc.makeApiClient(AuthorizationV1Api), retry),
    discovery: retrying(kc.makeApiClient(DiscoveryV1Api), retry),
    objects: retrying(KubernetesObjectApi.makeApiClient(kc), retry),
    watch: new Watch(kc),
    redactor,
    request,
    async ping(signal) {
      try {
        return await request<{ gitVersion: string }>(HttpMethod.GET, '/version', {
          signal: signal ?? AbortSignal.timeout(15_000),
        });
      } catch (error) {
        throw unreachable(client, error, await presentedCertificate(client.server, error));
      }
    },
  };
  return client;
}

/**
 * Turns a failure to reach the API server into the error users see: which server, and why, no stack.
 * With `config`, a 401 names an expired client certificate; `presented` dates an expired server one.
 */
export function unreachable(
  client: Pick<KubeClient, 'server' | 'source'> & { config?: KubeConfig },
  error: unknown,
  presented?: CertificateDates,
): Error {
  if (error instanceof InfrastructureError || error instanceof UsageError) return error;
  const via =
    client.source.kind === 'in-cluster' ? 'the in-cluster service account' : client.source.files.join(', ');
  const status = statusOf(error);
  if (status === 401 || status === 403) {
    const certificate = status === 401 && client.config ? clientCertificateProblem(client.config) : undefined;
    return new InfrastructureError(
      'ClusterUnauthorized',
      certificate
        ? `the API server at ${client.server} refused our credentials: ${certificate} (${describeKubeError(error)})`
        : `the API server at ${client.server} refused our credentials (${describeKubeError(error)})`,
      {
        cause: error,
        hint: certificate
          ? `get a new client certificate (a fresh kubeconfig) for this cluster; credentials from ${via}`
          : `credentials from ${via}; are they current and meant for this cluster?`,
      },
    );
  }
  const code = tlsFailureCode(error);
  const tls = code ? describeServerCertificate(code, presented) : undefined;
  return new InfrastructureError(
    'ClusterUnreachable',
    `cannot reach the Kubernetes API server at ${client.server}: ${tls?.why ?? describeKubeError(error)}`,
    {
      cause: error,
      hint: tls
        ? `${tls.hint}; credentials from ${via}`
        : `credentials from ${via}; is the cluster up (\`incluster up\`) and the kubeconfig current?`,
    },
  );
}

/** Registers the values of every Secret a CoreV1Api call returns, so redaction knows them. */
function learningSecrets<T extends object>(api: T, redactor: Redactor): T {
  return new Proxy(api, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function' || !String(property).includes('Secret')) return value;
      return async (...args: unknown[]) => {
        const result: unknown = await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
        redactor.learnFrom(result);
        return result;
      };
    },
  });
}

/** Like KubeConfig.loadFromCluster, but reading the given environment instead of process.env. */
function loadInCluster(kc: KubeConfig, env: NodeJS.ProcessEnv, root: string): void {
  const host = env.KUBERNETES_SERVICE_HOST ?? '';
  const port = env.KUBERNETES_SERVICE_PORT ?? '443';
  const scheme = ['80', '8080', '8001'].includes(port) ? 'http' : 'https';
  const server = `${scheme}://${isIPv6(host) ? `[${host}]` : host}:${port}`;
  kc.loadFromOptions({
    clusters: [
      { name: 'inCluster', server, caFile: `${root}${SERVICE_ACCOUNT_DIR}/ca.crt`, skipTLSVerify: false },
    ],
    users: [
      {
        name: 'inClusterUser',
        authProvider: { name: 'tokenFile', config: { tokenFile: `${root}${SERVICE_ACCOUNT_DIR}/token` } },
      },
    ],
    contexts: [{ name: 'inClusterContext', cluster: 'inCluster', user: 'inClusterUser' }],
    currentContext: 'inClusterContext',
  });
}

function kubeconfigFiles(explicit: string | undefined, env: NodeJS.ProcessEnv): string[] {
  if (explicit) {
    if (!existsSync(explicit)) throw new UsageError(`kubeconfig ${explicit} does not exist`);
    return [explicit];
  }
  const files = defaultKubeconfigFiles(env);
  if (env.KUBECONFIG?.split(delimiter).some(Boolean)) {
    const existing = files.filter((file) => existsSync(file));
    if (existing.length === 0)
      throw new UsageError(`KUBECONFIG names no existing file (${files.join(delimiter)})`);
    return existing;
  }
  if (existsSync(files[0]!)) return files;
  throw new InfrastructureError(
    'ClusterUnreachable',
    'no Kubernetes credentials: not in a pod, KUBECONFIG is unset and ~/.kube/config does not exist',
    { hint: 'run `incluster up`, or set KUBECONFIG to a kubeconfig file' },
  );
}

function parseJson(text: string): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
