// The Redis fixture: a connection to the built-in Redis, authenticated and answering PING. In the
// runner pod the password comes from REDIS_PASSWORD (as `incluster run` sets it) without touching
// the Kubernetes API; elsewhere from the Secret, through a port-forward. The client is a small RESP2
// one (commands in, replies out), so the fixture needs no Redis library; a test that wants one
// passes it `url`.
import { connect, type Socket } from 'node:net';
import { delay } from '../delay.ts';
import { InfrastructureError } from '../errors.ts';
import type { KubeClient } from '../kube/client.ts';
import { backoffDelay } from '../kube/retry.ts';
import { serviceHost, type ServiceContract } from '../services/contract.ts';
import { REDIS_PASSWORD_KEY } from '../services/redis.ts';
import { readSecretValues } from '../services/secret-values.ts';
import { connectService, type ServiceOptions } from './service.ts';

/** A RESP2 reply: simple and bulk strings, integers, arrays, or null. */
export type RedisReply = string | number | null | RedisReply[];

/** An error reply (`-ERR …`, `-WRONGTYPE …`). */
export class RedisReplyError extends Error {
  override name = 'RedisReplyError';
}

/** A connected, authenticated Redis; `close()` ends the connection and the port-forward. */
export interface RedisConnection {
  host: string;
  port: number;
  via: 'dns' | 'port-forward';
  /** `redis://default:<password>@host:port/0`, for a client library of the test's choice. */
  url: string;
  /** Sends one command, e.g. `command('SET', 'k', 'v')`. */
  command(...args: (string | number)[]): Promise<RedisReply>;
  close(): Promise<void>;
}

/** Which Secret holds the password, besides where the service is. */
export interface RedisOptions extends ServiceOptions {
  secret?: string;
  /** Where to look for the runner pod's variables; default process.env. */
  env?: NodeJS.ProcessEnv;
}

/** Connects to the Redis service of `contract`; resolves once AUTH and PING succeed. */
export async function connectRedis(
  kube: KubeClient,
  contract: ServiceContract,
  options: RedisOptions = {},
): Promise<RedisConnection> {
  const env = options.env ?? process.env;
  const endpoint = await connectService(kube, contract, options);
  const inPod =
    endpoint.via === 'dns' && env.REDIS_HOST === serviceHost(contract) && env.REDIS_PASSWORD !== undefined;
  let password: string | undefined;
  try {
    password = inPod
      ? env.REDIS_PASSWORD
      : await readPassword(kube, contract.namespace, options.secret ?? 'redis-credentials');
  } catch (error) {
    await endpoint.close();
    throw error;
  }
  const deadline = Date.now() + (options.timeoutMs ?? 120_000);
  for (let attempt = 0; ; attempt += 1) {
    const client = new RespClient(endpoint.host, endpoint.port);
    try {
      await client.ready;
      if (password !== undefined) await client.send(['AUTH', password]);
      const pong = await client.send(['PING']);
      if (pong !== 'PONG') throw new Error(`PING answered ${JSON.stringify(pong)}`);
      const userinfo = password === undefined ? '' : `default:${encodeURIComponent(password)}@`;
      return {
        host: endpoint.host,
        port: endpoint.port,
        via: endpoint.via,
        url: `redis://${userinfo}${endpoint.host}:${endpoint.port}/0`,
        command: (...args) => client.send(args.map(String)),
        async close() {
          client.end();
          await endpoint.close();
        },
      };
    } catch (error) {
      client.end();
      if (error instanceof RedisReplyError || Date.now() >= deadline) {
        await endpoint.close();
        throw new InfrastructureError(
          'RedisUnavailable',
          `Redis at ${contract.service}.${contract.namespace} via ${endpoint.via} did not accept AUTH and PING: ${kube.redactor.redact(error instanceof Error ? error.message : String(error))}`,
        );
      }
      await delay(backoffDelay(Math.min(attempt, 5), { baseDelayMs: 250, maxDelayMs: 3000 }));
    }
  }
}

async function readPassword(kube: KubeClient, namespace: string, name: string): Promise<string> {
  const { [REDIS_PASSWORD_KEY]: password } = await readSecretValues(
    kube,
    { namespace, name },
    [REDIS_PASSWORD_KEY],
    'the Redis password',
  );
  kube.redactor.add(password);
  return password;
}

/** One RESP2 connection: commands are pipelined, replies matched in order. */
class RespClient {
  readonly ready: Promise<void>;
  private readonly socket: Socket;
  private buffer = Buffer.alloc(0);
  private readonly waiting: { resolve(reply: RedisReply): void; reject(error: Error): void }[] = [];

  constructor(host: string, port: number) {
    this.socket = connect({ host, port });
    this.socket.setNoDelay(true);
    this.ready = new Promise((resolve, reject) => {
      this.socket.once('connect', () => resolve());
      this.socket.once('error', reject);
    });
    this.socket.on('data', (chunk: Buffer) => this.receive(chunk));
    this.socket.on('error', (error) => this.failAll(error));
    this.socket.on('close', () => this.failAll(new Error('the connection closed')));
  }

  send(args: readonly string[]): Promise<RedisReply> {
    const parts = [`*${args.length}\r\n`];
    for (const arg of args) parts.push(`$${Buffer.byteLength(arg)}\r\n${arg}\r\n`);
    return new Promise((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      this.socket.write(parts.join(''));
    });
  }

  end(): void {
    this.socket.destroy();
  }

  private receive(chunk: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    for (;;) {
      const parsed = parseReply(this.buffer, 0);
      if (!parsed) return;
      this.buffer = this.buffer.subarray(parsed.next);
      const next = this.waiting.shift();
      if (parsed.value instanceof RedisReplyError) next?.reject(parsed.value);
      else next?.resolve(parsed.value);
    }
  }

  private failAll(error: Error): void {
    for (const waiter of this.waiting.splice(0)) waiter.reject(error);
  }
}

/** Parses one reply at `offset`; undefined until it has fully arrived. */
export function parseReply(
  buffer: Buffer,
  offset: number,
): { value: RedisReply | RedisReplyError; next: number } | undefined {
  const end = buffer.indexOf('\r\n', offset);
  if (end < 0) return undefined;
  const type = String.fromCharCode(buffer[offset]!);
  const line = buffer.toString('utf8', offset + 1, end);
  const after = end + 2;
  switch (type) {
    case '+':
      return { value: line, next: after };
    case '-':
      return { value: new RedisReplyError(line), next: after };
    case ':':
      return { value: Number(line), next: after };
    case '$': {
      const length = Number(line);
      if (length < 0) return { value: null, next: after };
      if (buffer.length < after + length + 2) return undefined;
      return { value: buffer.toString('utf8', after, after + length), next: after + length + 2 };
    }
    case '*': {
      const count = Number(line);
      if (count < 0) return { value: null, next: after };
      const items: RedisReply[] = [];
      let next = after;
      for (let i = 0; i < count; i += 1) {
        const item = parseReply(buffer, next);
        if (!item) return undefined;
        items.push(item.value instanceof RedisReplyError ? item.value.message : item.value);
        next = item.next;
      }
      return { value: items, next };
    }
    default:
      throw new RedisReplyError(
        `not a RESP reply: ${JSON.stringify(buffer.toString('latin1', offset, end))}`,
      );
  }
}
