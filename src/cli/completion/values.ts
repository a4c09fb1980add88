// The values an option's argument completes to, declared where the option is defined, for options
// that check their value themselves (commander's .choices() would replace their error messages).

import type { Command, Option } from 'commander';

const offered = new WeakMap<Option, readonly string[]>();

/** Records that `flag` of `command` (already defined on it) takes one of `values`; returns `command`. */
export function offerValues(command: Command, flag: string, values: readonly string[]): Command {
  const option = command.options.find((candidate) => candidate.long === flag || candidate.short === flag);
  if (!option) throw new Error(`${command.name()} has no option ${flag}`);
  offered.set(option, values);
  return command;
}

/** The values recorded for `option`, if any. */
export function offeredValues(option: Option): readonly string[] | undefined {
  return offered.get(option);
}
