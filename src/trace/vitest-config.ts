// `withRequirements(config)`: declares every requirement of the spec files as a Vitest tag, with
// `strictTags`, so an unknown or mistyped ID fails collection in Vitest itself, and adds the
// RequirementsReporter beside the config's reporters (Vitest's defaults when it names none,
// `github-actions` included) so each run leaves its evidence. Synchronous, as a config file needs it.
// It also puts the RedactingReporter first, so secret values a test prints or asserts on are masked
// before any other reporter writes them (FR-051), and adds the setup file that relays the values
// test workers learn to it.
import { readFileSync } from 'node:fs';
import { dirname, extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { configDefaults, type ViteUserConfig } from 'vitest/config';
import type { Vite } from 'vitest/node';
import { findConfigFile, parseConfig } from '../config/load.ts';
import type { Config } from '../config/schema.ts';
import {
  REDACTING_REPORTER,
  RedactingReporter,
  type RedactingReporterOptions,
} from '../redaction/reporter.ts';
import { loadRegistry } from './registry.ts';
import { RequirementsReporter, type RequirementsReporterOptions } from './reporter.ts';
import type { SecretReference } from '../redaction/secret-sources.ts';

/** The setup file relaying worker-learned secrets: `.ts` beside the sources, `.js` in the package. */
export const REDACTION_SETUP_FILE: string = fileURLToPath(
  new URL(`../redaction/worker-setup${extname(fileURLToPath(import.meta.url))}`, import.meta.url),
);

export interface WithRequirementsOptions {
  /** Project root the spec globs are relative to; default: incluster.config.yaml's directory, else cwd. */
  root?: string;
  /** Spec globs; default `trace.specs` from incluster.config.yaml. */
  specs?: string[];
  /** ID format; default `trace.idPattern` from incluster.config.yaml. */
  idPattern?: string;
  /** Add the RequirementsReporter (default true), or its options. */
  reporter?: boolean | RequirementsReporterOptions;
  /**
   * Put the RedactingReporter first and relay worker-learned secrets to it (default true), or its
   * options; by default it reads the PostgreSQL Secret named by incluster.config.yaml.
   */
  redaction?: boolean | RedactingReporterOptions;
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
  const redacting =
    options.redaction === false
      ? undefined
      : new RedactingReporter({
          secrets: settings.secrets,
          ...(typeof options.redaction === 'object' ? options.redaction : {}),
        });
  const reporters =
    reporterOptions || redacting
      ? [
          ...(redacting ? [redacting] : []),
          // Vitest's own defaults when the config names none: `default`, and under GitHub Actions
          // `github-actions`, which annotates each failed test on the pull request.
          ...toArray(test.reporters ?? [...configDefaults.reporters]),
          ...(reporterOptions ? [new RequirementsReporter(reporterOptions)] : []),
        ]
      : test.reporters;
  const setupFiles = toArray(test.setupFiles ?? []);
  return {
    ...config,
    ...(redacting ? { plugins: [...(config.plugins ?? []), redactionFirst(redacting)] } : {}),
    test: {
      ...test,
      tags,
      strictTags: true,
      // Evidence carries each test's line, which matches it to the statically collected test.
      includeTaskLocation: test.includeTaskLocation ?? true,
      ...(reporters === undefined ? {} : { reporters }),
      // First, so the relay is on before a user's setup file reads a Secret.
      ...(redacting ? { setupFiles: [REDACTION_SETUP_FILE, ...setupFiles] } : {}),
    },
  };
}

/**
 * `--reporter` on the command line replaces the configured reporters (as `incluster run` commands
 * often do to write JUnit); Vitest's configureVitest hook runs before the reporters are created, so
 * it puts the RedactingReporter back in front of whatever list won.
 */
function redactionFirst(reporter: RedactingReporter): Vite.Plugin {
  return {
    name: 'incluster:redaction-first',
    configureVitest({ vitest }) {
      const reporters = vitest.config.reporters as unknown[];
      const present = reporters.findIndex(
        (r) => r !== null && typeof r === 'object' && REDACTING_REPORTER in r,
      );
      if (present === 0) return;
      if (present > 0) reporters.splice(present, 1);
      reporters.unshift(reporter);
    },
  };
}

function traceSettings(options: WithRequirementsOptions): {
  root: string;
  specs: string[];
  idPattern: string;
  secrets: SecretReference[];
} {
  const file = options.root === undefined ? findConfigFile(process.cwd()) : findConfigFile(options.root);
  const config = file ? parseConfig(readFileSync(file, 'utf8'), file) : undefined;
  const root = options.root ?? (file ? dirname(file) : process.cwd());
  // The fixtures use the config found from the working directory. Without any config file nothing is
  // read at start (a read of the default name from whatever cluster ~/.kube/config points at would
  // surprise); what the fixtures read still arrives through the workers' relay.
  const fixturesFile = findConfigFile(process.cwd());
  const fixturesConfig =
    fixturesFile && fixturesFile !== file
      ? parseConfig(readFileSync(fixturesFile, 'utf8'), fixturesFile)
      : config;
  return {
    root,
    specs: options.specs ?? config?.trace.specs ?? ['specs/**/spec.md'],
    idPattern: options.idPattern ?? config?.trace.idPattern ?? '^\\d{3}-FR-\\d{3}$',
    secrets: fixturesConfig ? configuredSecrets(fixturesConfig) : [],
  };
}

/** The Secrets incluster manages for the services: the PostgreSQL credentials. */
function configuredSecrets(config: Config): SecretReference[] {
  return [{ namespace: config.namespace, name: config.postgres.secret }];
}

function toArray<T>(value: T | T[]): T[] {
  return Array.isArray(value) ? value : [value];
}
