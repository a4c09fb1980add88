// The built-in Redis on the real cluster, deployed the way `up` deploys services (deployServices):
// its fixture through a port-forward, the generic service fixture, and a suite in the runner pod
// reading REDIS_URL and using both fixtures with the pod's own variables.
import { randomBytes } from 'node:crypto';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { deployServices } from '../../../src/cluster/lifecycle.ts';
import type { ProviderContext } from '../../../src/cluster/provider.ts';
import { configAt } from '../../../src/config/resolve.ts';
import { Status } from '../../../src/progress/status.ts';
import { declaredContract } from '../../../src/services/declared.ts';
import { redisContract } from '../../../src/services/redis.ts';
import { connectRedis, RedisReplyError } from '../../../src/vitest/redis.ts';
import { connectService } from '../../../src/vitest/service.ts';
import { allPassed, junitOutcomes, kube, removeProject, runFixture, servicesProject } from './support.ts';

const ROOT = new URL('../../..', import.meta.url).pathname;
const namespace = `incluster-it-redis-${randomBytes(3).toString('hex')}`;
const config = configAt(ROOT, { namespace, redis: { enabled: true }, services: { manifests: [] } });
const contract = redisContract(config.redis, { namespace, credentials: true });
const projects: string[] = [];
let applied: string[] = [];

beforeAll(async () => {
  const ctx = {
    config,
    root: ROOT,
    status: new Status(new PassThrough(), { interactive: false }),
    signal: new AbortController().signal,
  } as unknown as ProviderContext;
  applied = await deployServices(kube, ctx, 240_000, []);
}, 300_000);

afterAll(async () => {
  await kube.core.deleteNamespace({ name: namespace }).catch(() => undefined);
  for (const dir of projects) await removeProject(dir);
});

describe('the built-in Redis', { tags: ['001-FR-083'] }, () => {
  test('up deploys it with a generated password; the fixture connects through a port-forward', async () => {
    expect(applied).toEqual(['StatefulSet/redis', 'Service/redis']);
    const secret = await kube.core.readNamespacedSecret({ namespace, name: 'redis-credentials' });
    expect(secret.data?.password).toBeTruthy();
    const redis = await connectRedis(kube, contract, { via: 'port-forward' });
    try {
      expect(redis).toMatchObject({ via: 'port-forward', host: '127.0.0.1' });
      expect(redis.url).toMatch(/^redis:\/\/default:[^@]+@127\.0\.0\.1:\d+\/0$/);
      await redis.command('SET', 'k', 'v');
      expect(await redis.command('GET', 'k')).toBe('v');
      expect(await redis.command('DEL', 'k', 'missing')).toBe(1);
      await expect(redis.command('INCR', 'not a', 'command')).rejects.toThrow(RedisReplyError);
    } finally {
      await redis.close();
    }
  });
});

describe('the generic service fixture', { tags: ['001-FR-084'] }, () => {
  test('reaches a built-in and a declared service through a port-forward, ready at the protocol level', async () => {
    const redis = await connectService(kube, contract, { via: 'port-forward' });
    await redis.close();
    expect(redis).toMatchObject({ name: 'redis', via: 'port-forward', host: '127.0.0.1' });
    const declared = declaredContract({ name: 'cache', service: 'redis', port: 6379, env: {} }, namespace);
    const cache = await connectService(kube, declared, { via: 'port-forward' });
    await cache.close();
    expect(cache.name).toBe('cache');
  });

  test('a service that never gets endpoints fails naming it', async () => {
    const missing = declaredContract({ name: 'nothing', port: 80, env: {} }, namespace);
    await expect(connectService(kube, missing, { via: 'port-forward', timeoutMs: 3_000 })).rejects.toThrow(
      new RegExp(`Service ${namespace}/nothing`),
    );
  });
});

describe('Redis in the runner pod', { tags: ['001-FR-082', '001-FR-083', '001-FR-084'] }, () => {
  test(
    'REDIS_URL, the redis fixture and the service fixture work inside the cluster',
    { timeout: 600_000 },
    async () => {
      const dir = await servicesProject((project) => {
        project.namespace = namespace;
        project.redis = { enabled: true };
        project.services = {
          manifests: [],
          declared: [{ name: 'cache', service: 'redis', port: 6379, scheme: 'redis' }],
        };
      });
      projects.push(dir);
      const result = await runFixture(dir, 'redis');
      expect(result.exitStatus, `${result.report.message}\n${result.lines.join('\n')}`).toBe(0);
      expect(await junitOutcomes(result), result.lines.join('\n')).toEqual(
        allPassed([
          'REDIS_URL names the service and authenticates',
          'the redis fixture connects with the pod variables',
          'the service fixture reaches a declared service by cluster DNS',
        ]),
      );
    },
  );
});
