// The requirement registry: every requirement defined in the spec files, with where it is defined
// and a fingerprint of its wording, so a change of wording can be told from a change of place.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { globSync } from 'tinyglobby';
import { UsageError } from '../errors.ts';
import { compileIdFormat, type IdFormat } from './ids.ts';

/** One requirement as written in a spec file. */
export interface Requirement {
  id: string;
  /** The first sentence of the text, for tables. */
  title: string;
  /** The whole wording after the ID (continuation lines joined). */
  text: string;
  /** Spec file, relative to the root, with `/` separators. */
  file: string;
  line: number;
  /** `sha256:` and the first 16 hex digits of the hash of the normalized text. */
  fingerprint: string;
}

/** Every requirement, in spec order, with an index by ID. */
export interface Registry {
  requirements: Requirement[];
  byId: ReadonlyMap<string, Requirement>;
  /** The spec files read, relative to the root. */
  files: string[];
  format: IdFormat;
}

export interface RegistryOptions {
  /** Directory the globs and reported paths are relative to. */
  root: string;
  /** Globs of spec files; default `specs/**\/spec.md`. */
  specs?: readonly string[];
  /** The ID format (`trace.idPattern`). */
  idPattern?: string;
}

// `- **001-FR-001** text`, in every Markdown list-item form (`-`, `*`, `+`, `1.`, `1)`); the bold
// token is checked against the ID format. A colon or dash after the ID (`**ID**: text`, `**ID:**`)
// separates it from the text and is not part of either.
const REQUIREMENT_LINE = /^(\s*)(?:[-*+]|\d{1,9}[.)])\s+\*\*([^*]+)\*\*\s*(.*)$/;
const LIST_ITEM = /^\s*(?:[-*+]|\d{1,9}[.)])\s/;
const SEPARATOR = /^(?:[:\u2013\u2014]|-(?=\s))\s*/;

/** Reads every spec file matched by the globs; duplicate or malformed IDs are a UsageError (exit 2). */
export function loadRegistry(options: RegistryOptions): Registry {
  const format = compileIdFormat(options.idPattern);
  const globs = options.specs ?? ['specs/**/spec.md'];
  const files = globSync([...globs], { cwd: options.root, absolute: true }).sort();
  if (files.length === 0)
    throw new UsageError(`no spec files match ${globs.map((g) => `\`${g}\``).join(', ')}`, {
      hint: `looked under ${options.root}${candidateHint(options.root, format)}; set trace.specs in incluster.config.yaml`,
    });
  const requirements: Requirement[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      throw new UsageError(`cannot read spec file ${file}`, { cause: error });
    }
    requirements.push(...parseSpec(text, toPosix(relative(options.root, file)), format));
  }
  return buildRegistry(
    requirements,
    files.map((f) => toPosix(relative(options.root, f))),
    format,
  );
}

/** Indexes requirements by ID; a duplicate ID is an error naming both definitions. */
export function buildRegistry(requirements: Requirement[], files: string[], format: IdFormat): Registry {
  const byId = new Map<string, Requirement>();
  for (const requirement of requirements) {
    const first = byId.get(requirement.id);
    if (first)
      throw new UsageError(
        `duplicate requirement ID ${requirement.id}: ${first.file}:${first.line} and ${requirement.file}:${requirement.line}`,
      );
    byId.set(requirement.id, requirement);
  }
  return { requirements, byId, files, format };
}

/** Parses the requirements of one spec file; `file` is used in errors and in the result. */
export function parseSpec(text: string, file: string, format: IdFormat): Requirement[] {
  const lines = text.split(/\r?\n/);
  const found: Requirement[] = [];
  let inFence = false;
  for (let index = 0; index < lines.length; index += 1) {
    const line = lines[index]!;
    if (/^\s*(```|~~~)/.test(line)) inFence = !inFence;
    if (inFence) continue;
    const match = REQUIREMENT_LINE.exec(line);
    if (!match) continue;
    const token = match[2]!.trim().replace(/:$/, '');
    const kind = format.classify(token);
    if (kind === 'other') continue;
    if (kind === 'malformed')
      throw new UsageError(
        `${file}:${index + 1}: malformed requirement ID \`${token}\` (expected the format /${format.source}/)`,
      );
    const idLine = index + 1;
    // Continuation lines: indented deeper than the bullet, not a new item, not blank.
    const parts = [match[3]!.trim().replace(SEPARATOR, '')];
    const indent = match[1]!.length;
    while (index + 1 < lines.length) {
      const next = lines[index + 1]!;
      const nextIndent = /^\s*/.exec(next)![0].length;
      if (!next.trim() || nextIndent <= indent || LIST_ITEM.test(next)) break;
      parts.push(next.trim());
      index += 1;
    }
    const wording = parts.join(' ').trim();
    if (!wording) throw new UsageError(`${file}:${idLine}: requirement ${token} has no text`);
    found.push({
      id: token,
      title: titleOf(wording),
      text: wording,
      file,
      line: idLine,
      fingerprint: fingerprintOf(wording),
    });
  }
  return found;
}

/** The fingerprint of a requirement's wording; runs of whitespace and line breaks do not matter. */
export function fingerprintOf(text: string): string {
  const normalized = text.normalize('NFC').replace(/\s+/g, ' ').trim();
  return `sha256:${createHash('sha256').update(normalized).digest('hex').slice(0, 16)}`;
}

function titleOf(text: string): string {
  const sentence = /^(.*?[.!?])(\s|$)/.exec(text)?.[1] ?? text;
  return sentence.length > 120 ? `${sentence.slice(0, 117)}…` : sentence;
}

/** Names Markdown files that hold requirement-looking items, when the globs matched nothing. */
function candidateHint(root: string, format: IdFormat): string {
  const found: string[] = [];
  for (const file of globSync(['**/*.md'], { cwd: root, ignore: ['**/node_modules/**', '**/.git/**'] })) {
    if (found.length >= 3) break;
    let text: string;
    try {
      text = readFileSync(`${root}/${file}`, 'utf8');
    } catch {
      continue;
    }
    if (
      text
        .split(/\r?\n/)
        .some((line) => format.classify(REQUIREMENT_LINE.exec(line)?.[2]?.trim() ?? '') === 'id')
    )
      found.push(file);
  }
  return found.length
    ? ` (requirements found in ${found.join(', ')})`
    : ' (no Markdown file there lists a requirement ID)';
}

function toPosix(path: string): string {
  return path.split('\\').join('/');
}
