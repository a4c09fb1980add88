// Running a command in a container. The exit status arrives as a V1Status on the exec websocket's
// status channel; we turn it into a number so callers can branch on it like a local process.
import { PassThrough, type Readable, type Writable } from 'node:stream';
import { Exec, type V1Status } from '@kubernetes/client-node';
import { InfrastructureError } from '../errors.ts';
import { describeKubeError } from './api-error.ts';
import type { KubeClient } from './client.ts';

/** Where stdin comes from and where output goes. */
export interface ExecOptions {
  /** Container name; default the pod's first container. */
  container?: string;
  /** Data written to the command's stdin, which is then closed. */
  stdin?: string | Buffer | Readable;
  /** Stream stdout here instead of capturing it (e.g. a tar stream). */
  stdout?: Writable;
  stderr?: Writable;
  signal?: AbortSignal;
  /** Keep at most this many bytes of captured output per stream (default 1 MiB). */
  maxBuffer?: number;
}

/** Exit status and captured output of a command run in a pod. */
export interface ExecResult {
  exitCode: number;
  /** Captured output (empty when streamed to `options.stdout`/`stderr`). */
  stdout: string;
  stderr: string;
}

/** Runs `command` in a pod's container and resolves with its exit status and output. */
export async function execInPod(
  client: KubeClient,
  namespace: string,
  pod: string,
  command: readonly string[],
  options: ExecOptions = {},
): Promise<ExecResult> {
  const container = options.container ?? (await firstContainer(client, namespace, pod));
  const limit = options.maxBuffer ?? 1024 * 1024;
  const out = options.stdout ?? capture(limit);
  const err = options.stderr ?? capture(limit);
  const stdin =
    options.stdin === undefined
      ? null
      : typeof options.stdin === 'string' || Buffer.isBuffer(options.stdin)
        ? new PassThrough().end(options.stdin)
        : options.stdin;
  let status: V1Status | undefined;
  const what = `exec \`${command.join(' ')}\` in ${namespace}/${pod}/${container}`;
  let socket: SocketLike;
  try {
    const connection: unknown = await new Exec(client.config).exec(
      namespace,
      pod,
      container,
      [...command],
      out,
      err,
      stdin,
      false,
      (s) => {
        status = s;
      },
    );
    socket = connection as SocketLike;
  } catch (error) {
    throw new InfrastructureError('ExecFailed', `${what}: ${describeKubeError(error)}`, { cause: error });
  }
  await new Promise<void>((resolve, reject) => {
    const onAbort = () => {
      socket.close();
      reject(
        options.signal?.reason instanceof Error ? options.signal.reason : new Error(`${what} was aborted`),
      );
    };
    options.signal?.addEventListener('abort', onAbort, { once: true });
    socket.on('close', () => {
      options.signal?.removeEventListener('abort', onAbort);
      resolve();
    });
    socket.on('error', (error: Error) => {
      options.signal?.removeEventListener('abort', onAbort);
      reject(new InfrastructureError('ExecFailed', `${what}: ${error.message}`, { cause: error }));
    });
  });
  if (options.stdout === undefined) out.end();
  if (options.stderr === undefined) err.end();
  return {
    exitCode: exitCodeOf(status, what),
    stdout: options.stdout ? '' : (out as CaptureStream).text(),
    stderr: options.stderr ? '' : (err as CaptureStream).text(),
  };
}

/** The exit status a V1Status reports: 0 on Success, the ExitCode cause on NonZeroExitCode. */
export function exitCodeOf(status: V1Status | undefined, what = 'exec'): number {
  if (!status)
    throw new InfrastructureError(
      'ExecFailed',
      `${what}: the connection closed before the command reported its exit status`,
    );
  if (status.status === 'Success') return 0;
  const cause = status.details?.causes?.find((c) => c.reason === 'ExitCode');
  if (status.reason === 'NonZeroExitCode' && cause?.message !== undefined) return Number(cause.message);
  throw new InfrastructureError('ExecFailed', `${what}: ${status.message ?? status.reason ?? 'failed'}`);
}

/** The name of the pod's first container. */
async function firstContainer(client: KubeClient, namespace: string, pod: string): Promise<string> {
  const object = await client.core.readNamespacedPod({ namespace, name: pod });
  const name = object.spec?.containers[0]?.name;
  if (!name) throw new InfrastructureError('ExecFailed', `pod ${namespace}/${pod} has no containers`);
  return name;
}

/** The part of the websocket we use (its type comes from an untyped dependency). */
export interface SocketLike {
  close(): void;
  /** Drops the connection without the closing handshake (a peer that never answers cannot hold us). */
  terminate?(): void;
  on(event: 'close', listener: () => void): void;
  on(event: 'error', listener: (error: Error) => void): void;
}

interface CaptureStream extends PassThrough {
  text(): string;
}

function capture(limit: number): CaptureStream {
  const stream = new PassThrough() as CaptureStream;
  const chunks: Buffer[] = [];
  let size = 0;
  stream.on('data', (chunk: Buffer) => {
    chunks.push(chunk);
    size += chunk.length;
    while (size > limit && chunks.length > 1) size -= chunks.shift()!.length;
  });
  stream.text = () => Buffer.concat(chunks).toString('utf8');
  return stream;
}
