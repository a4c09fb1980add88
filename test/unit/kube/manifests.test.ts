import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { UsageError } from '../../../src/errors.ts';
import {
  describePullWarning,
  findPullRisks,
  imagesOf,
  loadManifests,
  parseManifests,
} from '../../../src/kube/manifests.ts';

const deployment = (image: string, policy?: string) => `apiVersion: apps/v1
kind: Deployment
metadata: { name: api }
spec:
  template:
    spec:
      initContainers: [{ name: init, image: "docker.io/library/busybox:1.35", imagePullPolicy: IfNotPresent }]
      containers:
        - name: app
          image: "${image}"
${policy ? `          imagePullPolicy: ${policy}\n` : ''}`;

describe('loading manifests', { tags: ['001-FR-027'] }, () => {
  test('reads multi-document files and directories in name order, skipping empty documents', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'incluster-manifests-'));
    await mkdir(join(dir, 'sub'));
    await writeFile(
      join(dir, 'b.yaml'),
      'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: b }\n---\n---\napiVersion: v1\nkind: Service\nmetadata: { name: s }\n',
    );
    await writeFile(
      join(dir, 'a.yml'),
      'apiVersion: v1\nkind: List\nitems:\n  - { apiVersion: v1, kind: ConfigMap, metadata: { name: a1 } }\n  - { apiVersion: v1, kind: ConfigMap, metadata: { name: a2 } }\n',
    );
    await writeFile(join(dir, 'sub', 'c.yaml'), 'apiVersion: v1\nkind: Secret\nmetadata: { name: c }\n');
    await writeFile(join(dir, 'notes.txt'), 'not yaml: [');
    const objects = await loadManifests([dir]);
    expect(objects.map((o) => o.object.metadata.name)).toEqual(['a1', 'a2', 'b', 's', 'c']);
    expect(objects[3]!.source).toEqual({ file: join(dir, 'b.yaml'), document: 3, line: 6 });
  });

  test('a malformed document is a usage error naming the file, the document and its line', () => {
    const text =
      'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: ok }\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: { name: [broken\n';
    const error = (() => {
      try {
        parseManifests(text, 'svc.yaml');
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toMatch(/^svc\.yaml:\d+: document 2 is not valid YAML: /);
  });

  test('a document that is not a Kubernetes object names what is missing', () => {
    expect(() => parseManifests('kind: ConfigMap\nmetadata: { name: x }\n', 'f.yaml')).toThrow(
      'f.yaml: document 1 (line 1): apiVersion is missing',
    );
    expect(() => parseManifests('apiVersion: v1\nmetadata: { name: x }\n', 'f.yaml')).toThrow(
      'f.yaml: document 1 (line 1): kind is missing',
    );
    expect(() => parseManifests('---\napiVersion: v1\nkind: ConfigMap\n', 'f.yaml')).toThrow(
      'f.yaml: document 1 (line 2): ConfigMap has no metadata.name',
    );
    expect(() => parseManifests('- a\n- b\n', 'f.yaml')).toThrow('expected a Kubernetes object');
  });

  test('a missing path is a usage error naming it', async () => {
    await expect(loadManifests(['does/not/exist.yaml'])).rejects.toThrow(
      'manifest path does/not/exist.yaml does not exist',
    );
  });
});

describe('flagging images that would pull', { tags: ['001-FR-005'] }, () => {
  test('untagged, :latest and missing pull policy are flagged; pinned IfNotPresent is not', () => {
    const flagged = (image: string, policy?: string) =>
      findPullRisks(parseManifests(deployment(image, policy), 'd.yaml')).map((w) => w.problem);
    expect(flagged('docker.io/library/postgres:15-bookworm', 'IfNotPresent')).toEqual([]);
    expect(flagged('registry.local:5000/app', 'IfNotPresent')).toEqual(['has no tag (means :latest)']);
    expect(flagged('app:latest', 'Never')).toEqual(['is tagged :latest']);
    expect(flagged('app:1.0')).toEqual(['has no explicit imagePullPolicy']);
    expect(flagged('app:1.0', 'Always')).toEqual(['has imagePullPolicy: Always']);
    expect(flagged('app@sha256:0123', 'IfNotPresent')).toEqual([]);
  });

  test('covers Pods and CronJobs and says where the container is', () => {
    const text = `apiVersion: v1
kind: Pod
metadata: { name: p }
spec: { containers: [{ name: c, image: "busybox" }] }
---
apiVersion: batch/v1
kind: CronJob
metadata: { name: nightly }
spec: { jobTemplate: { spec: { template: { spec: { containers: [{ name: job, image: "tool:latest", imagePullPolicy: IfNotPresent }] } } } } }
`;
    const warnings = findPullRisks(parseManifests(text, 'x.yaml'));
    expect(warnings.map(describePullWarning)).toEqual([
      'x.yaml (document 1): Pod/p container c image "busybox" has no tag (means :latest); it would pull from a registry',
      'x.yaml (document 1): Pod/p container c image "busybox" has no explicit imagePullPolicy; it would pull from a registry',
      'x.yaml (document 2): CronJob/nightly container job image "tool:latest" is tagged :latest; it would pull from a registry',
    ]);
  });
});

describe('the images a set of objects runs', { tags: ['001-FR-104'] }, () => {
  test('every container of every workload kind, once each, in order; objects without pods add none', () => {
    const text = `${deployment('docker.io/library/postgres:15-bookworm', 'IfNotPresent')}---
apiVersion: v1
kind: Service
metadata: { name: api }
spec: { ports: [{ port: 80 }] }
---
apiVersion: batch/v1
kind: CronJob
metadata: { name: nightly }
spec: { jobTemplate: { spec: { template: { spec: { containers: [{ name: job, image: "tool:1" }, { name: again, image: "docker.io/library/postgres:15-bookworm" }] } } } } }
`;
    expect(imagesOf(parseManifests(text, 'x.yaml').map((entry) => entry.object))).toEqual([
      'docker.io/library/busybox:1.35',
      'docker.io/library/postgres:15-bookworm',
      'tool:1',
    ]);
  });
});
