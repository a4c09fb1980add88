// Reading manifests: multi-document YAML from files and directories, each object remembering where
// it came from so every later error can name the file and document (FR-027), and a check for
// containers that would pull from a registry (FR-005). A directory with a kustomization file is a
// kustomization: it is rendered by `kubectl kustomize` (bases, overlays, patches, generators) and
// what it renders is loaded, instead of its raw files.
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { LineCounter, parseAllDocuments } from 'yaml';
import { firstLine, UsageError } from '../errors.ts';
import { runCommand } from '../process/exec.ts';

/** Any Kubernetes object, as plain JSON. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name?: string;
    generateName?: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    [key: string]: unknown;
  };
  [key: string]: unknown;
}

/** An object from a manifest file, with its origin for error messages. */
export interface ManifestObject {
  object: KubeObject;
  /** `file` (or `<inline>`), the 1-based document index in it and the line it starts on. */
  source: { file: string; document: number; line: number };
}

/** A container that would pull its image from a registry (FR-005). */
export interface PullWarning {
  source: ManifestObject['source'];
  object: string;
  container: string;
  image: string;
  problem: string;
}

const YAML_EXTENSIONS = new Set(['.yaml', '.yml', '.json']);

/** The file names that make a directory a kustomization, as kustomize looks for them. */
export const KUSTOMIZATION_FILES = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'] as const;

/** How to load manifests. */
export interface LoadManifestsOptions {
  cwd?: string;
  /** The kubectl that renders kustomizations; default $INCLUSTER_KUBECTL, else `kubectl` on PATH. */
  kubectl?: string;
  signal?: AbortSignal;
}

/** Loads every object from files and directories (sorted, non-recursive into hidden entries). */
export async function loadManifests(
  paths: readonly string[],
  options: LoadManifestsOptions = {},
): Promise<ManifestObject[]> {
  const objects: ManifestObject[] = [];
  for (const path of paths) {
    const absolute = resolve(options.cwd ?? process.cwd(), path);
    for (const entry of await manifestFiles(absolute, path)) {
      if (entry.kustomization) objects.push(...(await renderKustomization(entry.kustomization, options)));
      else if (entry.file) objects.push(...parseManifests(await readFile(entry.file, 'utf8'), entry.file));
    }
  }
  return objects;
}

/**
 * Renders a kustomization directory with `kubectl kustomize` and parses what it prints; the
 * objects' source names the directory. A kustomization that does not render is the user's to fix.
 */
export async function renderKustomization(
  dir: string,
  options: Pick<LoadManifestsOptions, 'kubectl' | 'signal'> = {},
): Promise<ManifestObject[]> {
  const kubectl = options.kubectl ?? process.env.INCLUSTER_KUBECTL ?? 'kubectl';
  let result;
  try {
    result = await runCommand(kubectl, ['kustomize', dir], {
      allowFailure: true,
      maxBuffer: 64 * 1024 * 1024,
      signal: options.signal,
      timeoutMs: 120_000,
    });
  } catch (error) {
    throw new UsageError(
      `rendering the kustomization ${dir} needs kubectl, and \`${kubectl}\` could not run`,
      {
        cause: error,
        hint: 'install kubectl, or set INCLUSTER_KUBECTL to its path',
      },
    );
  }
  if (result.exitCode !== 0)
    throw new UsageError(
      `${dir}: \`kubectl kustomize\` failed: ${firstLine(result.stderr.trim() || result.stdout)}`,
      {
        hint: result.stderr.trim().split('\n').slice(-10).join('\n'),
      },
    );
  return parseManifests(result.stdout, `${dir} (kustomize)`);
}

/** Parses multi-document YAML text; `file` names it in errors. Empty documents are skipped. */
export function parseManifests(text: string, file = '<inline>'): ManifestObject[] {
  const lineCounter = new LineCounter();
  const documents = parseAllDocuments(text, { lineCounter, prettyErrors: false });
  if (!Array.isArray(documents)) {
    throw new UsageError(`${file}: not a YAML stream`);
  }
  const objects: ManifestObject[] = [];
  documents.forEach((doc, index) => {
    // The object's first line, not the `---` before it.
    const line = lineCounter.linePos(doc.contents?.range?.[0] ?? doc.range[0]).line;
    const where = `${file}: document ${index + 1} (line ${line})`;
    const error = doc.errors[0];
    if (error) {
      const at = error.linePos?.[0]?.line ?? line;
      throw new UsageError(
        `${file}:${at}: document ${index + 1} is not valid YAML: ${firstLine(error.message)}`,
      );
    }
    const data: unknown = doc.toJS();
    if (data === null || data === undefined) return;
    for (const object of flattenLists(data, where)) {
      objects.push({ object, source: { file, document: index + 1, line } });
    }
  });
  return objects;
}

/** Flags containers whose image is untagged, `:latest`, or has no explicit imagePullPolicy. */
export function findPullRisks(objects: readonly ManifestObject[]): PullWarning[] {
  const warnings: PullWarning[] = [];
  for (const entry of objects) {
    const { object } = entry;
    const name = `${object.kind}/${object.metadata.name ?? object.metadata.generateName ?? '?'}`;
    for (const container of containersOf(object)) {
      const image = container.image ?? '';
      const problems: string[] = [];
      const reference = image.split('@')[0] ?? '';
      const lastSegment = reference.split('/').pop() ?? '';
      const tag = lastSegment.includes(':') ? lastSegment.split(':').pop() : undefined;
      if (!image.includes('@')) {
        if (tag === undefined) problems.push('has no tag (means :latest)');
        else if (tag === 'latest') problems.push('is tagged :latest');
      }
      if (!container.imagePullPolicy) problems.push('has no explicit imagePullPolicy');
      else if (container.imagePullPolicy === 'Always') problems.push('has imagePullPolicy: Always');
      for (const problem of problems)
        warnings.push({
          source: entry.source,
          object: name,
          container: container.name ?? '?',
          image,
          problem,
        });
    }
  }
  return warnings;
}

/** One line per warning: `file (document 2): Deployment/x container app image "y" is tagged :latest`. */
export function describePullWarning(warning: PullWarning): string {
  return `${warning.source.file} (document ${warning.source.document}): ${warning.object} container ${warning.container} image "${warning.image}" ${warning.problem}; it would pull from a registry`;
}

interface ContainerLike {
  name?: string;
  image?: string;
  imagePullPolicy?: string;
}

/** Every image the objects' containers run, once each, in order of appearance. */
export function imagesOf(objects: readonly KubeObject[]): string[] {
  const images = objects.flatMap((object) => containersOf(object).map((container) => container.image ?? ''));
  return [...new Set(images.filter((image) => image !== ''))];
}

/** The containers of any workload kind: Pod, templates (Deployment, Job, …) and CronJob's nested one. */
function containersOf(object: KubeObject): ContainerLike[] {
  const podSpec = podSpecOf(object);
  if (!podSpec) return [];
  const lists = [podSpec.initContainers, podSpec.containers, podSpec.ephemeralContainers];
  return lists.flatMap((list) => (Array.isArray(list) ? (list as ContainerLike[]) : []));
}

function podSpecOf(object: KubeObject): Record<string, unknown> | undefined {
  const spec = object.spec as Record<string, unknown> | undefined;
  if (!spec) return undefined;
  if (object.kind === 'Pod') return spec;
  if (object.kind === 'CronJob') {
    const jobTemplate = spec.jobTemplate as
      { spec?: { template?: { spec?: Record<string, unknown> } } } | undefined;
    return jobTemplate?.spec?.template?.spec;
  }
  const template = spec.template as { spec?: Record<string, unknown> } | undefined;
  return template?.spec;
}

function flattenLists(data: unknown, where: string): KubeObject[] {
  if (typeof data !== 'object' || Array.isArray(data))
    throw new UsageError(`${where}: expected a Kubernetes object (a mapping)`);
  const object = data as Partial<KubeObject>;
  if (typeof object.kind === 'string' && object.kind.endsWith('List') && Array.isArray(object.items)) {
    return (object.items as unknown[]).flatMap((item) => flattenLists(item, where));
  }
  if (typeof object.apiVersion !== 'string' || !object.apiVersion)
    throw new UsageError(`${where}: apiVersion is missing`);
  if (typeof object.kind !== 'string' || !object.kind) throw new UsageError(`${where}: kind is missing`);
  const metadata = object.metadata;
  if (typeof metadata !== 'object' || metadata === null || (!metadata.name && !metadata.generateName))
    throw new UsageError(`${where}: ${object.kind} has no metadata.name`);
  return [object as KubeObject];
}

/** A file to parse, or a kustomization directory to render. */
type ManifestSource =
  { file: string; kustomization?: undefined } | { file?: undefined; kustomization: string };

async function manifestFiles(absolute: string, shown: string): Promise<ManifestSource[]> {
  let info;
  try {
    info = await stat(absolute);
  } catch (error) {
    throw new UsageError(`manifest path ${shown} does not exist`, { cause: error });
  }
  if (!info.isDirectory()) {
    // A kustomization file named directly stands for its directory.
    if ((KUSTOMIZATION_FILES as readonly string[]).includes(basename(absolute)))
      return [{ kustomization: dirname(absolute) }];
    return [{ file: absolute }];
  }
  const entries = (await readdir(absolute, { withFileTypes: true })).sort((a, b) =>
    a.name.localeCompare(b.name),
  );
  if (
    entries.some((entry) => entry.isFile() && (KUSTOMIZATION_FILES as readonly string[]).includes(entry.name))
  )
    return [{ kustomization: absolute }];
  const files: ManifestSource[] = [];
  for (const entry of entries) {
    if (entry.name.startsWith('.')) continue;
    const full = join(absolute, entry.name);
    if (entry.isDirectory()) files.push(...(await manifestFiles(full, join(shown, entry.name))));
    else if (YAML_EXTENSIONS.has(extname(entry.name))) files.push({ file: full });
  }
  return files;
}
