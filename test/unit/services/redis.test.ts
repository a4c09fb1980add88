// The built-in Redis as plain data: its variables (password by secretKeyRef, REDIS_URL composed after
// what it names), its objects (the password never on a command line), and the fixture's RESP parser.
import { describe, expect, test } from 'vitest';
import { REDIS_IMAGE as BUILT_IMAGE } from '../../../src/cluster/images/names.ts';
import { configSchema } from '../../../src/config/schema.ts';
import { unexpandedReferences } from '../../../src/services/contract.ts';
import { builtInSecrets, builtInServiceObjects, serviceContracts } from '../../../src/services/registry.ts';
import { REDIS_IMAGE, redisContract, redisObjects } from '../../../src/services/redis.ts';
import { parseReply, RedisReplyError } from '../../../src/vitest/redis.ts';

const enabled = configSchema.parse({ redis: { enabled: true } });

describe('the Redis contract', { tags: ['001-FR-083'] }, () => {
  test('exports host, port, the password by secretKeyRef and REDIS_URL, in expansion order', () => {
    const contract = redisContract(enabled.redis, { namespace: 'floe-test', credentials: true });
    expect(contract.env).toEqual([
      { name: 'REDIS_HOST', value: 'redis.floe-test.svc.cluster.local' },
      { name: 'REDIS_PORT', value: '6379' },
      { name: 'REDIS_PASSWORD', valueFrom: { secretKeyRef: { name: 'redis-credentials', key: 'password' } } },
      { name: 'REDIS_URL', value: 'redis://default:$(REDIS_PASSWORD)@$(REDIS_HOST):$(REDIS_PORT)/0' },
    ]);
    expect(unexpandedReferences(contract.env)).toEqual([]);
    expect(contract.readiness).toBe('redis');
  });

  test('is part of the config only when enabled, with its Secret and objects', () => {
    const off = configSchema.parse({});
    expect(serviceContracts(off, { secrets: new Set() }).map((c) => c.name)).toEqual(['postgres']);
    expect(builtInServiceObjects(off)).toEqual([]);
    expect(serviceContracts(enabled, { secrets: new Set() }).map((c) => c.name)).toEqual([
      'postgres',
      'redis',
    ]);
    expect(builtInSecrets(enabled)).toContain('redis-credentials');
    expect(builtInServiceObjects(enabled).map((o) => o.object.kind)).toEqual(['StatefulSet', 'Service']);
  });

  test('runs the image the local provider builds, with the password only in a file and the env', () => {
    expect(REDIS_IMAGE).toBe(BUILT_IMAGE);
    const text = JSON.stringify(redisObjects(enabled.redis));
    expect(text).toContain(`"image":"${REDIS_IMAGE}"`);
    expect(text).toContain('"imagePullPolicy":"IfNotPresent"');
    expect(text).not.toMatch(/requirepass \$|--requirepass/);
    expect(text).toContain('REDISCLI_AUTH');
  });
});

describe('the Redis fixture', { tags: ['001-FR-083'] }, () => {
  test('parses RESP replies, waiting for the whole of one', () => {
    const parse = (text: string) => parseReply(Buffer.from(text), 0);
    expect(parse('+PONG\r\n')).toEqual({ value: 'PONG', next: 7 });
    expect(parse(':42\r\n')?.value).toBe(42);
    expect(parse('$5\r\nhello\r\n')?.value).toBe('hello');
    expect(parse('$-1\r\n')?.value).toBeNull();
    expect(parse('*2\r\n$1\r\na\r\n:1\r\n')?.value).toEqual(['a', 1]);
    expect(parse('-WRONGPASS invalid\r\n')?.value).toBeInstanceOf(RedisReplyError);
    expect(parse('$5\r\nhel')).toBeUndefined();
    expect(parse('*2\r\n$1\r\na\r\n')).toBeUndefined();
  });
});
