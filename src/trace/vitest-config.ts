// `withRequirements(config)`: declares every requirement of the spec files as a Vitest tag, with
// `strictTags`, so an unknown or mistyped ID fails collection in Vitest itself, and adds the
// RequirementsReporter so each run leaves its evidence. Synchronous, as a config file needs it.
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { ViteUserConfig } from 'vitest/config';
import { findConfigFile, parseConfig } from '../config/load.ts';
import { loadRegistry } from './registry.ts';
import { RequirementsReporter, type RequirementsReporterOptions } from './reporter.ts';

export interface WithRequirementsOptions {
  /** Project root the spec globs are relative to; default: incluster.config.yaml's directory, else cwd. */
  root?: string;
  /** Spec globs; default `trace.specs` from incluster.config.yaml. */
  specs?: string[];
  /** ID format; default `trace.idPattern` from incluster.config.yaml. */
  idPattern?: string;
  /** Add the RequirementsReporter (default true), or its options. */
  reporter?: boolean | RequirementsReporterOptions;
}

/** Returns `config` with the requirement tags declared, strictTags on, and the evidence reporter added. */
export function withRequirements<T extends ViteUserConfig>(
  config: T,
  options: WithRequirementsOptions = {},
): T {
  const settings = traceSettings(options);
  const registry = loadRegistry(settings);
  const test = config.test ?? {};
  const declared = (test.tags ?? []).filter((tag) => !registry.byId.has(String(tag.name)));
  const tags = [...declared, ...registry.requirements.map((r) => ({ name: r.id, description: r.title }))];
  const reporterOptions =
    options.reporter === false
      ? undefined
      : { idPattern: settings.idPattern, ...(typeof options.reporter === 'object' ? options.reporter : {}) };
  const reporters = reporterOptions
    ? [...toArray(test.reporters ?? ['default']), new RequirementsReporter(reporterOptions)]
    : test.reporters;
  return {
    ...config,
    test: {
      ...test,
      tags,
      strictTags: true,
      // Evidence carries each test's line, which matches it to the statically collected test.
      includeTaskLocation: test.includeTaskLocation ?? true,
      ...(reporters === undefined ? {} : { reporters }),
    },
  };
}

function traceSettings(options: WithRequirementsOptions): {
  root: string;
  specs: string[];
  idPattern: string;
} {
  const file = options.root === undefined ? findConfigFile(process.cwd()) : findConfigFile(options.root);
  const config = file ? parseConfig(readFileSync(file, 'utf8'), file) : undefined;
  const root = options.root ?? (file ? dirname(file) : process.cwd());
  return {
    root,
    specs: options.specs ?? config?.trace.specs ?? ['specs/**/spec.md'],
    idPattern: options.idPattern ?? config?.trace.idPattern ?? '^\\d{3}-FR-\\d{3}$',
  };
}

function toArray<T>(value: T | T[]): T[] {
  return Array.isArray(value) ? value : [value];
}
