// The run report (test-results/<run-id>/report.json, FR-018): what ran where, how it ended, how
// long each phase took, and — when the tests wrote traceability.json — which requirements their
// tests verified in the cluster (FR-019). Read by people, CI and `incluster trace`.
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { RejectedEntry } from '../kube/archive.ts';
import { mergeEvidence, readEvidence, type RunEvidence } from '../trace/evidence.ts';
import { judgeRequirements } from '../trace/verdicts.ts';
import type { TestCounts } from './junit.ts';

/** One shard's end, its pod and what was copied out of it. */
export interface ShardReport {
  index: number;
  pod?: string;
  node?: string;
  state: 'ended' | 'infrastructure';
  exitCode?: number;
  reason?: string;
  message?: string;
  /** From the test container's start to its end. */
  testDurationMs?: number;
  /** Balanced by time: the test files the shard was given and the time predicted for them. */
  files?: string[];
  predictedMs?: number;
  /**
   * When the kubelet says the test container ended (its `finishedAt`, whole seconds): the moment an
   * OOM kill or a crash happened, against which the run's own end can be judged.
   */
  testEndedAt?: string;
  artifacts: { files: string[]; bytes: number; rejected: RejectedEntry[]; error?: string };
}

/** The traceability of the tests that ran in the cluster, from their traceability.json files. */
export interface TraceabilitySummary {
  files: string[];
  tests: number;
  requirements: { passed: string[]; failed: string[]; unverified: string[] };
}

/** report.json. */
export interface RunReport {
  schemaVersion: 1;
  kind: 'incluster-run-report';
  runId: string;
  outcome: 'passed' | 'failed' | 'infrastructure' | 'interrupted';
  exitStatus: number;
  /** The infrastructure failure's reason (`OOMKilled`, `ErrImagePull`, …). */
  reason?: string;
  message: string;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  phases: { name: string; ms: number; ok: boolean }[];
  image?: {
    reference: string;
    /** The Docker image ID (`sha256:…`, the digest of the image config). */
    id?: string;
    contentHash?: string;
    built: boolean;
    /** The reference the pods ran (the registry's, when pushed). */
    clusterReference: string;
    /** The registry digest, when pushed. */
    digest?: string;
    /** Set when the pods ran this already-loaded image with the current sources synced in. */
    syncedSourcesInto?: string;
  };
  cluster: {
    provider: string;
    name: string;
    server: string;
    serverVersion?: string;
    nodes: { name: string; kubeletVersion?: string; containerRuntimeVersion?: string; osImage?: string }[];
  };
  namespace: string;
  job: string;
  command: string[];
  runnerArgs: string[];
  /** How the files were split: by time (from `timings`) or by count, the runner's --shard (with why). */
  sharding?: { by: 'time' | 'count'; reason?: string; timings?: string; unknownFiles?: number };
  shards: ShardReport[];
  tests?: TestCounts;
  failedTests?: string[];
  /** The merged JUnit file, relative to the report. */
  junit?: string;
  traceability?: TraceabilitySummary;
  /** Set for a cycle of `run --watch` (test-results/<run-id>/cycle-<n>/report.json). */
  watch?: {
    cycle: number;
    /** The files that changed since the last cycle (none for a cycle that runs everything). */
    changed: string[];
    /** The test files that ran. */
    ran: string[];
  };
}

/** Merges the shards' traceability*.json (written by the trace reporter) into a summary, if any exist. */
export async function summarizeTraceability(
  dir: string,
  shards: number,
): Promise<TraceabilitySummary | undefined> {
  const files: string[] = [];
  const parts: RunEvidence[] = [];
  for (let index = 0; index < shards; index += 1) {
    const shardDir = join(dir, `shard-${index}`);
    const names = await readdir(shardDir, { recursive: true }).catch(() => [] as string[]);
    for (const name of names.filter((n) => /(^|\/)traceability[^/]*\.json$/.test(n)).sort()) {
      const evidence = await readEvidence(join(shardDir, name)).catch(() => undefined);
      if (!evidence) continue;
      files.push(`shard-${index}/${name}`);
      parts.push(evidence);
    }
  }
  if (parts.length === 0) return undefined;
  const merged = mergeEvidence(parts);
  const verdicts = judgeRequirements(merged);
  const pick = (verdict: string) =>
    [...verdicts]
      .filter(([, v]) => v === verdict)
      .map(([id]) => id)
      .sort();
  return {
    files,
    tests: merged.tests.length,
    requirements: { passed: pick('passed'), failed: pick('failed'), unverified: pick('unverified') },
  };
}
