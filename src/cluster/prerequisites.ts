// What a provider needs, in two depths: a probe, the quick yes-or-no `auto` asks, and a diagnosis,
// what `incluster doctor` reports (each prerequisite present or missing, and the command that fixes
// a missing one). Providers define their own in their folder; this module holds the shapes and
// renders diagnoses.
import { isOnPath, runCommand } from '../process/exec.ts';
import type { ProviderName } from '../provider-names.ts';
import { firstLine } from '../errors.ts';

/** A probe's verdict: usable or not, and why, in words for the user. */
export interface ProbeResult {
  ok: boolean;
  why: string;
}

/** One prerequisite and how to get it. */
export interface Check {
  name: string;
  ok: boolean;
  /** What was found (a version, a path) or what is wrong. */
  detail: string;
  /** The command or step that fixes it when missing. */
  fix?: string;
  /** An optional check does not make the provider unusable. */
  optional?: boolean;
}

export interface ProviderDiagnosis {
  provider: ProviderName;
  usable: boolean;
  checks: Check[];
}

/** A diagnosis from a provider's checks: usable when every non-optional check passed. */
export function diagnosis(provider: ProviderName, checks: Check[]): ProviderDiagnosis {
  return { provider, usable: checks.every((check) => check.ok || check.optional), checks };
}

/** Checks that `command` is on PATH and, when `versionArgs` are given, reports its version line. */
export async function commandCheck(
  command: string,
  fix: string,
  options: { versionArgs?: string[]; optional?: boolean; env?: NodeJS.ProcessEnv; label?: string } = {},
): Promise<Check> {
  const name = options.label ?? command;
  if (!(await isOnPath(command, options.env))) {
    return { name, ok: false, detail: 'not found on PATH', fix, optional: options.optional };
  }
  if (!options.versionArgs) return { name, ok: true, detail: 'found', optional: options.optional };
  try {
    const result = await runCommand(command, options.versionArgs, {
      timeoutMs: 10_000,
      allowFailure: true,
      env: options.env,
    });
    const line = firstLine((result.stdout || result.stderr).trim());
    return { name, ok: true, detail: line || 'found', optional: options.optional };
  } catch (error) {
    return {
      name,
      ok: false,
      detail: `does not run: ${(error as Error).message}`,
      fix,
      optional: options.optional,
    };
  }
}

/** Renders diagnoses as aligned text for people. */
export function renderDiagnoses(diagnoses: ProviderDiagnosis[]): string {
  const lines: string[] = [];
  for (const d of diagnoses) {
    lines.push(`${d.provider}: ${d.usable ? 'usable' : 'not usable'}`);
    const width = Math.max(...d.checks.map((c) => c.name.length));
    for (const check of d.checks) {
      const mark = check.ok ? '✓' : check.optional ? '–' : '✗';
      lines.push(`  ${mark} ${check.name.padEnd(width)}  ${check.detail}`);
      if (!check.ok && check.fix) lines.push(`    ${' '.repeat(width)}  fix: ${check.fix}`);
    }
    lines.push('');
  }
  return lines.join('\n');
}
