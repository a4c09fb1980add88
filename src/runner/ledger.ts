// What a run created in the cluster, in the order it was created, and the one release step that
// removes it: the same on success, on failure and on an interrupt (FR-017). An object is written
// into the ledger just before its apply is sent, so one whose request was in flight when an
// interrupt came is released too; releasing something that never arrived is a harmless 404.
// An interrupt cuts the apply in flight: the API server cancels a request whose client went away
// before admission and storage finish (an admission webhook holding the create when Ctrl-C came:
// nothing was stored, test/faults/terminal-run.test.ts), and one stored just before is in the ledger
// already. What the ledger still holds is noted with the interrupt handler, so a second Ctrl-C can
// name it and the command that removes it.
import { InfrastructureError } from '../errors.ts';
import type { Leftover } from '../interrupt/interrupts.ts';
import { applyManifests, deleteObjects } from '../kube/apply.ts';
import type { KubeClient } from '../kube/client.ts';
import { deleted } from '../kube/conditions.ts';
import type { KubeObject } from '../kube/manifests.ts';
import { objectRef } from '../kube/object-state.ts';
import { waitFor } from '../kube/wait.ts';

/** How long a forced release waits for what it deleted to be gone. */
const GONE_TIMEOUT_MS = 30_000;

/** Where the ledger notes what it holds, and the command that removes it. */
export interface LedgerLeftovers {
  hold(leftover: Leftover): () => void;
  removeWith: string;
}

/** How a release ends the run's objects. */
export interface ReleaseOptions {
  /** An interrupt: no grace for the pods, and wait until everything is gone. */
  force: boolean;
  /** --keep: leave everything for inspection (when forced, only the Job and its pods go). */
  keep: boolean;
  signal: AbortSignal;
}

/** What a release did, for the run's message. */
export interface Released {
  deleted: string[];
  /** Pods of the run's Jobs deleted on a forced release. */
  pods: number;
  /** Objects still terminating when the wait ran out. */
  lingering: string[];
}

/** The run's created objects, applied through it and released in reverse. */
export class Ledger {
  private readonly entries: KubeObject[] = [];
  /** Entries not yet deleted (or found gone). */
  private readonly remaining = new Set<KubeObject>();
  private readonly client: KubeClient;
  private readonly leftovers: LedgerLeftovers | undefined;
  private releaseHold: (() => void) | undefined;

  constructor(client: KubeClient, leftovers?: LedgerLeftovers) {
    this.client = client;
    this.leftovers = leftovers;
  }

  /** What was created (or sent to be), in order. */
  get created(): readonly KubeObject[] {
    return this.entries;
  }

  /** Applies objects one by one, writing each into the ledger before its request is sent. */
  async apply(objects: readonly KubeObject[], signal: AbortSignal): Promise<void> {
    for (const object of objects) {
      signal.throwIfAborted();
      this.entries.push(object);
      this.remaining.add(object);
      this.releaseHold ??= this.leftovers?.hold({
        what: () => describeRemaining([...this.remaining]),
        removeWith: this.leftovers.removeWith,
      });
      await applyManifests(this.client, [object], { signal });
    }
  }

  /** Deletes what the ledger holds, newest first; forced, also the Jobs' pods, waiting until gone. */
  async release(options: ReleaseOptions): Promise<Released> {
    const released: Released = { deleted: [], pods: 0, lingering: [] };
    const targets = [...this.entries]
      .reverse()
      .filter((object) => !options.keep || (options.force && object.kind === 'Job'));
    // Jobs, their pods and namespaces take a moment to go; RBAC, Secrets and accounts go at once.
    const awaited: KubeObject[] = [];
    for (const object of targets) {
      if (object.kind === 'Job' && options.force) {
        const pods = await this.deletePodsOf(object);
        released.pods += pods.length;
        awaited.push(...pods);
      }
      const done = await deleteObjects(this.client, [object], {
        signal: options.signal,
        gracePeriodSeconds: options.force ? 0 : undefined,
      }).catch(() => undefined);
      if (!done) continue; // still there: a second interrupt names it
      this.remaining.delete(object);
      released.deleted.push(...done);
      if (['Job', 'Namespace'].includes(object.kind)) awaited.push(object);
    }
    if (this.remaining.size === 0) this.releaseHold?.();
    if (options.force) released.lingering = await this.waitUntilGone(awaited, options.signal);
    return released;
  }

  /**
   * Deletes one object the ledger holds at once (a Job with its pods), waits until it is gone, and
   * forgets it: a watch session replaces its Job (same name) when the image changed.
   */
  async remove(object: KubeObject, signal: AbortSignal): Promise<void> {
    const same = (entry: KubeObject) =>
      entry.kind === object.kind &&
      entry.metadata.namespace === object.metadata.namespace &&
      entry.metadata.name === object.metadata.name;
    const awaited = object.kind === 'Job' ? await this.deletePodsOf(object) : [];
    await deleteObjects(this.client, [object], { signal, gracePeriodSeconds: 0 });
    const lingering = await this.waitUntilGone([object, ...awaited], signal);
    if (lingering.length > 0)
      throw new InfrastructureError('DeleteTimeout', `${lingering.join(', ')} still terminating after 30 s`);
    const index = this.entries.findIndex(same);
    if (index >= 0) this.remaining.delete(this.entries.splice(index, 1)[0]!);
  }

  /** Background propagation leaves a Job's pods to the garbage collector: on an interrupt, now. */
  private async deletePodsOf(job: KubeObject): Promise<KubeObject[]> {
    const namespace = job.metadata.namespace ?? 'default';
    const labelSelector = `job-name=${job.metadata.name ?? ''}`;
    const pods = await this.client.core
      .listNamespacedPod({ namespace, labelSelector })
      .catch(() => ({ items: [] }));
    if (pods.items.length === 0) return [];
    await this.client.core
      .deleteCollectionNamespacedPod({ namespace, labelSelector, gracePeriodSeconds: 0 })
      .catch(() => undefined);
    return pods.items.map((pod) => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: pod.metadata?.name ?? '', namespace },
    }));
  }

  /** Waits for each object to be gone; returns those still there when the wait ran out. */
  private async waitUntilGone(objects: readonly KubeObject[], signal: AbortSignal): Promise<string[]> {
    const lingering: string[] = [];
    for (const object of objects) {
      const { namespace, name = '' } = object.metadata;
      const kind = { apiVersion: object.apiVersion, kind: object.kind };
      await waitFor(deleted(this.client, kind, namespace, name), { timeout: GONE_TIMEOUT_MS, signal }).catch(
        () => lingering.push(objectRef(object)),
      );
    }
    return lingering;
  }
}

/**
 * What of a run is still in the cluster, for people: its namespace stands for everything in it;
 * objects elsewhere (the Role granted in the services' namespace) are named one by one.
 */
export function describeRemaining(objects: readonly KubeObject[]): string {
  const namespace = objects.find((object) => object.kind === 'Namespace')?.metadata.name;
  const inside = objects.filter((o) => namespace !== undefined && o.metadata.namespace === namespace);
  const parts: string[] = [];
  if (namespace) {
    const kinds = [...new Set(inside.map((o) => o.kind))];
    parts.push(`namespace ${namespace}${kinds.length ? ` (its ${kinds.join(', ')})` : ''}`);
  }
  for (const object of objects)
    if (object.kind !== 'Namespace' && !inside.includes(object)) parts.push(objectRef(object));
  return parts.join('; ') || 'nothing';
}
