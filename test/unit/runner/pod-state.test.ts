import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import type { KubeObject } from '../../../src/kube/manifests.ts';
import { decideVerdict } from '../../../src/runner/outcome.ts';
import { jobFailure } from '../../../src/kube/pod-judgement.ts';
import { classifyPod, holderRunning, shardIndexOf } from '../../../src/runner/pod-state.ts';

const fixture = (name: string) =>
  JSON.parse(readFileSync(join(import.meta.dirname, 'pods', `${name}.json`), 'utf8')) as KubeObject;
const NOW = Date.parse('2026-11-24T15:01:00Z');

describe('classifying runner pods', { tags: ['001-FR-015'] }, () => {
  test.each([
    ['image-pull-backoff', 'ImagePullBackOff', false],
    ['err-image-never-pull', 'ErrImageNeverPull', false],
    ['config-error', 'CreateContainerConfigError', false],
    ['oom-killed', 'OOMKilled', true],
    ['killed', 'TestProcessKilled', true],
    ['evicted', 'Evicted', false],
    ['unschedulable', 'Unschedulable', false],
  ])('%s is an infrastructure failure named %s', (name, reason, collectable) => {
    const state = classifyPod(fixture(name), NOW);
    expect(state).toMatchObject({ state: 'infrastructure', reason, collectable });
  });

  test('a configuration failure the kubelet gets past by itself (its secret cache not yet synced) is not fatal', () => {
    const pod = fixture('config-error');
    const statuses = (pod.status as { containerStatuses: { state: { waiting: { message: string } } }[] })
      .containerStatuses;
    for (const status of statuses)
      if (status.state.waiting)
        status.state.waiting.message = 'failed to sync secret cache: timed out waiting for the condition';
    expect(classifyPod(pod, NOW)).toMatchObject({ state: 'pending' });
    expect(classifyPod(fixture('config-error'), NOW)).toMatchObject({ state: 'infrastructure' });
  });

  test('the reason names the image and the kubelet message', () => {
    const state = classifyPod(fixture('image-pull-backoff'), NOW);
    expect(state.state === 'infrastructure' && state.message).toContain('incluster-runner:0123456789abcdef');
    expect(state.state === 'infrastructure' && state.message).toContain('failed to resolve reference');
  });

  test('a briefly unschedulable pod is still pending', () => {
    expect(classifyPod(fixture('unschedulable'), Date.parse('2026-11-24T15:00:03Z'))).toMatchObject({
      state: 'pending',
    });
  });

  test('tests that ended by themselves report their exit code', () => {
    expect(classifyPod(fixture('passed'), NOW)).toMatchObject({ state: 'ended', exitCode: 0 });
    expect(classifyPod(fixture('tests-failed'), NOW)).toMatchObject({ state: 'ended', exitCode: 1 });
    expect(classifyPod(fixture('running'), NOW)).toEqual({ state: 'running' });
    expect(classifyPod(fixture('pending'), NOW)).toMatchObject({ state: 'pending' });
  });

  test('the shard index and the holder come from the pod', () => {
    expect(shardIndexOf(fixture('pending'))).toBe(1);
    expect(holderRunning(fixture('passed'))).toBe(true);
    expect(holderRunning(fixture('evicted'))).toBe(false);
  });

  test('a Job past its deadline is named by its condition', () => {
    const job = {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'incluster-runner' },
      status: {
        conditions: [
          {
            type: 'Failed',
            status: 'True',
            reason: 'DeadlineExceeded',
            message: 'Job was active longer than specified deadline',
          },
        ],
      },
    };
    expect(jobFailure(job)).toEqual({
      reason: 'DeadlineExceeded',
      message: 'Job was active longer than specified deadline',
    });
    expect(jobFailure({ ...job, status: {} })).toBeUndefined();
    // As a 1.34 controller reports it while it is still terminating the pods.
    const terminating = {
      ...job,
      status: {
        conditions: [
          {
            type: 'FailureTarget',
            status: 'True',
            reason: 'DeadlineExceeded',
            message: 'Job was active longer than specified deadline',
          },
        ],
        failed: 1,
        terminating: 1,
      },
    };
    expect(jobFailure(terminating)?.reason).toBe('DeadlineExceeded');
  });
});

describe('the run verdict', { tags: ['001-FR-015'] }, () => {
  const counts = { tests: 4, failures: 0, errors: 0, skipped: 0, time: 1 };
  test('0 when every shard exited 0 and no case failed', () => {
    expect(
      decideVerdict(
        [
          { kind: 'ended', exitCode: 0 },
          { kind: 'ended', exitCode: 0 },
        ],
        counts,
      ).exitStatus,
    ).toBe(0);
  });
  test('1 when a case failed or a shard exited non-zero', () => {
    expect(decideVerdict([{ kind: 'ended', exitCode: 0 }], { ...counts, failures: 1 })).toMatchObject({
      exitStatus: 1,
      outcome: 'failed',
    });
    expect(decideVerdict([{ kind: 'ended', exitCode: 1 }], counts).exitStatus).toBe(1);
  });
  test('3 with the reason when any shard broke, even if others failed tests', () => {
    const verdict = decideVerdict(
      [
        { kind: 'ended', exitCode: 1 },
        { kind: 'infrastructure', reason: 'OOMKilled', message: 'killed' },
      ],
      { ...counts, failures: 2 },
    );
    expect(verdict).toMatchObject({ exitStatus: 3, outcome: 'infrastructure', reason: 'OOMKilled' });
  });
});
