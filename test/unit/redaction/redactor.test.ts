import { describe, expect, test } from 'vitest';
import { Redactor } from '../../../src/redaction/redactor.ts';

describe('redaction', { tags: ['001-FR-051'] }, () => {
  test('masks values learned from Secrets, plain and base64', () => {
    const redactor = new Redactor();
    redactor.learnFrom({
      kind: 'SecretList',
      items: [
        {
          kind: 'Secret',
          data: { password: Buffer.from('hunter2-long').toString('base64') },
          stringData: { token: 'tok-123456' },
        },
      ],
    });
    expect(redactor.redact('pw hunter2-long b64 aHVudGVyMi1sb25n tok tok-123456')).toBe(
      'pw [REDACTED] b64 [REDACTED] tok [REDACTED]',
    );
  });

  test('ignores objects that are not Secrets and values too short to mask safely', () => {
    const redactor = new Redactor();
    redactor.learnFrom({ kind: 'ConfigMap', data: { mode: 'production' } });
    redactor.add('abc');
    expect(redactor.redact('production abc')).toBe('production abc');
  });

  test('masks credential-shaped text it was never told about', () => {
    const redactor = new Redactor();
    expect(redactor.redact('PGPASSWORD=abc123 psql')).toBe('PGPASSWORD=[REDACTED] psql');
    expect(redactor.redact('{"password": "p@ss"}')).toBe('{"password": "[REDACTED]"}');
    expect(redactor.redact('Authorization: Bearer eyJhbGciOi.x.y')).toBe('Authorization: Bearer [REDACTED]');
    expect(redactor.redact('url postgres://app:s3cr3t@db:5432/app')).toBe(
      'url postgres://app:[REDACTED]@db:5432/app',
    );
    expect(redactor.redact('-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----')).toBe(
      '[REDACTED]',
    );
  });

  test('redactData drops Secret data values and redacts every string', () => {
    const redactor = new Redactor();
    redactor.add('very-secret');
    expect(
      redactor.redactData({ kind: 'Secret', data: { a: 'eA==' }, note: 'has very-secret inside' }),
    ).toEqual({ kind: 'Secret', data: { a: '[REDACTED]' }, note: 'has [REDACTED] inside' });
  });

  test('onLearn hears every value known and learned once, until unsubscribed', () => {
    const redactor = new Redactor();
    redactor.add('known-value');
    const heard: string[] = [];
    const stop = redactor.onLearn((value) => heard.push(value));
    redactor.add('later-value');
    redactor.add('later-value');
    stop();
    redactor.add('after-stop');
    expect(heard).toEqual(['known-value', Buffer.from('known-value').toString('base64'), 'later-value']);
  });
});
