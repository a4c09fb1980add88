// Reaching a pod or Service port from outside the cluster: a TCP server on 127.0.0.1 whose every
// connection becomes one port-forward websocket (the client library forwards one port per call).
import { createServer, type Server, type Socket } from 'node:net';
import { Writable } from 'node:stream';
import { PortForward } from '@kubernetes/client-node';
import { InfrastructureError } from '../errors.ts';
import { describeKubeError } from './api-error.ts';
import type { KubeClient } from './client.ts';
import type { SocketLike } from './exec.ts';

/** A running forward; `close()` stops listening and ends every open connection. */
export interface PortForwardHandle {
  host: '127.0.0.1';
  localPort: number;
  /** The pod the connections go to. */
  pod: string;
  remotePort: number;
  /** Errors the API server reported for connections (e.g. nothing listens on the port). */
  errors: string[];
  close(): Promise<void>;
}

/** A pod by name, or a Service (forwarded to one of its ready pods). */
export type ForwardTarget = { pod: string } | { service: string };

/** Forwards 127.0.0.1:`localPort` (0 = any free port) to a port of a pod, or of a ready pod behind a Service. */
export async function portForward(
  client: KubeClient,
  namespace: string,
  target: ForwardTarget,
  remotePort: number,
  options: { localPort?: number; signal?: AbortSignal } = {},
): Promise<PortForwardHandle> {
  const { pod, port } =
    'pod' in target
      ? { pod: target.pod, port: remotePort }
      : await podBehindService(client, namespace, target.service, remotePort);
  const forwarder = new PortForward(client.config, true);
  const sockets = new Set<Socket>();
  const websockets = new Set<SocketLike>();
  const errors: string[] = [];

  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    const errorSink = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        // The error channel's first frame only carries the port number (empty once decoded):
        // only a real message means the connection failed.
        const text = [...chunk.toString('utf8')]
          .filter((c) => c >= ' ')
          .join('')
          .trim();
        if (text) {
          errors.push(text);
          socket.destroy();
        }
        callback();
      },
    });
    forwarder
      .portForward(namespace, pod, [port], socket, errorSink, socket)
      .then((connection: unknown) => {
        // With retries the library returns a getter of the current socket; we ask for none.
        const ws = (
          typeof connection === 'function' ? (connection as () => unknown)() : connection
        ) as SocketLike | null;
        if (!ws) return socket.destroy();
        const close = () => ws.close();
        websockets.add(ws);
        ws.on('close', () => {
          websockets.delete(ws);
          socket.end();
        });
        ws.on('error', () => socket.destroy());
        socket.on('close', close);
      })
      .catch((error: unknown) => {
        errors.push(describeKubeError(error));
        socket.destroy();
      });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', (error) =>
      reject(
        new InfrastructureError(
          'PortForwardFailed',
          `listening on 127.0.0.1:${options.localPort ?? 0}: ${error.message}`,
          { cause: error },
        ),
      ),
    );
    server.listen(options.localPort ?? 0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const localPort = typeof address === 'object' && address ? address.port : 0;
  let closed: Promise<void> | undefined;
  const handle: PortForwardHandle = {
    host: '127.0.0.1',
    localPort,
    pod,
    remotePort: port,
    errors,
    close() {
      closed ??= new Promise<void>((resolve) => {
        // Terminate rather than close: a handshake the API server never answers would keep the process alive.
        for (const ws of websockets) (ws.terminate ?? ws.close).call(ws);
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      });
      return closed;
    },
  };
  options.signal?.addEventListener('abort', () => void handle.close(), { once: true });
  return handle;
}

/** A ready pod behind the Service and the container port its `servicePort` maps to (from EndpointSlices). */
async function podBehindService(
  client: KubeClient,
  namespace: string,
  service: string,
  servicePort: number,
): Promise<{ pod: string; port: number }> {
  try {
    const svc = await client.core.readNamespacedService({ namespace, name: service });
    const spec = svc.spec?.ports?.find((p) => p.port === servicePort) ?? svc.spec?.ports?.[0];
    const slices = await client.discovery.listNamespacedEndpointSlice({
      namespace,
      labelSelector: `kubernetes.io/service-name=${service}`,
    });
    for (const slice of slices.items) {
      const port =
        slice.ports?.find((p) => (spec?.name ? p.name === spec.name : true))?.port ??
        (typeof spec?.targetPort === 'number' ? spec.targetPort : servicePort);
      const endpoint = (slice.endpoints ?? []).find(
        (e) => e.conditions?.ready !== false && e.targetRef?.kind === 'Pod' && e.targetRef.name,
      );
      if (endpoint?.targetRef?.name) return { pod: endpoint.targetRef.name, port };
    }
  } catch (error) {
    throw new InfrastructureError(
      'PortForwardFailed',
      `Service ${namespace}/${service}: ${describeKubeError(error)}`,
      { cause: error },
    );
  }
  throw new InfrastructureError(
    'PortForwardFailed',
    `Service ${namespace}/${service} has no ready pod to forward to`,
  );
}
