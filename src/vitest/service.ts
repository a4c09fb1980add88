// The generic service fixture: any service of the config (built in or declared), reached by its
// cluster DNS name when the tests run in a pod and through a port-forward outside, and ready when it
// answers at the protocol level where a probe needs no credentials (PostgreSQL's SSLRequest, Redis's
// PING), else when a TCP connection opens.
import { connect, type Socket } from 'node:net';
import { delay } from '../delay.ts';
import { InfrastructureError } from '../errors.ts';
import type { KubeClient } from '../kube/client.ts';
import { serviceHasEndpoints } from '../kube/conditions.ts';
import { runningInPod } from '../kube/credentials.ts';
import { portForward, type PortForwardHandle } from '../kube/port-forward.ts';
import { backoffDelay } from '../kube/retry.ts';
import { waitFor } from '../kube/wait.ts';
import { primaryPort, serviceHost, type Readiness, type ServiceContract } from '../services/contract.ts';

/** How to reach a service. */
export interface ServiceOptions {
  /** Force a route instead of detecting it: `dns` in a pod, `port-forward` outside. */
  via?: 'dns' | 'port-forward';
  /** A port other than the contract's first. */
  port?: number;
  /** How long to wait for the service to answer; default 120 s. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** Where a service answers from here; `close()` ends the port-forward, if any. */
export interface ServiceEndpoint {
  name: string;
  host: string;
  port: number;
  via: 'dns' | 'port-forward';
  close(): Promise<void>;
}

/** Resolves once the service answers its readiness probe from here. */
export async function connectService(
  kube: KubeClient,
  contract: ServiceContract,
  options: ServiceOptions = {},
): Promise<ServiceEndpoint> {
  const timeoutMs = options.timeoutMs ?? 120_000;
  const deadline = Date.now() + timeoutMs;
  const port = options.port ?? primaryPort(contract);
  const via = options.via ?? (runningInPod() ? 'dns' : 'port-forward');
  let endpoint: ServiceEndpoint;
  if (via === 'dns') {
    // No API call: the runner's ServiceAccount need not be allowed to watch endpoints.
    endpoint = {
      name: contract.name,
      host: serviceHost(contract),
      port,
      via,
      close: () => Promise.resolve(),
    };
  } else {
    await waitFor(serviceHasEndpoints(kube, contract.namespace, contract.service), {
      timeout: timeoutMs,
      signal: options.signal,
    });
    const forward: PortForwardHandle = await portForward(
      kube,
      contract.namespace,
      { service: contract.service },
      port,
      { signal: options.signal },
    );
    endpoint = {
      name: contract.name,
      host: forward.host,
      port: forward.localPort,
      via,
      close: () => forward.close(),
    };
  }
  for (let attempt = 0; ; attempt += 1) {
    try {
      await probe(endpoint.host, endpoint.port, contract.readiness);
      return endpoint;
    } catch (error) {
      if (Date.now() >= deadline || options.signal?.aborted) {
        await endpoint.close();
        const message = kube.redactor.redact(error instanceof Error ? error.message : String(error));
        throw new InfrastructureError(
          'ServiceUnavailable',
          `service ${contract.name} (${contract.service}.${contract.namespace}:${port}) via ${via} did not pass its ${contract.readiness} probe within ${Math.round(timeoutMs / 1000)}s: ${message}`,
        );
      }
      await delay(backoffDelay(Math.min(attempt, 5), { baseDelayMs: 250, maxDelayMs: 3000 }));
    }
  }
}

/** How long a bare TCP connection must stay open to count as reaching the service. */
const TCP_SETTLE_MS = 300;

/** The first bytes a server of each protocol answers to a request that needs no credentials. */
const PROBES: Record<Readiness, { send?: Buffer; answered?: (reply: Buffer) => boolean }> = {
  tcp: {},
  // An SSLRequest: a PostgreSQL server answers one byte, S (TLS offered) or N.
  postgres: {
    send: Buffer.from([0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f]),
    answered: (reply) => reply[0] === 0x53 || reply[0] === 0x4e,
  },
  // PING: +PONG, or -NOAUTH when a password is required; either is Redis answering.
  redis: {
    send: Buffer.from('*1\r\n$4\r\nPING\r\n'),
    answered: (reply) => /^(\+PONG|-NOAUTH)/.test(reply.toString('latin1')),
  },
};

/** Opens a connection, sends the readiness probe's request and checks the first reply. */
export function probe(host: string, port: number, readiness: Readiness, timeoutMs = 5_000): Promise<void> {
  const { send, answered } = PROBES[readiness];
  return new Promise((resolve, reject) => {
    const socket: Socket = connect({ host, port });
    const fail = (message: string) => {
      socket.destroy();
      reject(new Error(message));
    };
    socket.setTimeout(timeoutMs, () => fail(`no answer from ${host}:${port} within ${timeoutMs} ms`));
    socket.once('error', (error) => fail(error.message));
    socket.once('close', () => fail(`${host}:${port} closed the connection`));
    socket.once('connect', () => {
      if (!send || !answered) {
        // A port-forward accepts at once and closes when nothing listens behind it: a
        // connection still open a moment later reached the service.
        setTimeout(() => {
          if (socket.destroyed) return;
          socket.removeAllListeners('close');
          socket.destroy();
          resolve();
        }, TCP_SETTLE_MS);
        return;
      }
      socket.write(send);
    });
    socket.once('data', (reply: Buffer) => {
      socket.removeAllListeners('close');
      socket.destroy();
      if (answered?.(reply)) resolve();
      else
        reject(
          new Error(`${host}:${port} answered ${JSON.stringify(reply.subarray(0, 32).toString('latin1'))}`),
        );
    });
  });
}
