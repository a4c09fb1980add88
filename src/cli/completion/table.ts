// The words each place on an incluster command line takes, read from the commander definitions
// themselves, so completion can never list a command or option the program does not have (or miss
// one it has). One line per place: `incluster run` → its options; `incluster run --provider` → the
// option's values. The shell scripts beside this file look the line up for the words typed so far.
import type { Command, Option } from 'commander';
import { offeredValues } from './values.ts';

export interface CompletionLine {
  /** `incluster`, `incluster cache`, `incluster run --provider`. */
  key: string;
  words: readonly string[];
}

/** Every place's words, the program's first. */
export function completionTable(program: Command): CompletionLine[] {
  const lines: CompletionLine[] = [];
  const visit = (command: Command, path: string) => {
    const subcommands = command.commands.map((sub) => sub.name());
    // An argument with choices (completion's <shell>) completes to them.
    const choices = command.registeredArguments.flatMap((argument) => argument.argChoices ?? []);
    const options = visibleOptions(command);
    lines.push({
      key: path,
      words: [...subcommands, ...choices, ...options.flatMap((option) => option.long ?? []), '--help'],
    });
    for (const option of options)
      if (option.required || option.optional)
        for (const flag of [option.long, option.short])
          if (flag) lines.push({ key: `${path} ${flag}`, words: valueWords(option) });
    for (const sub of command.commands) visit(sub, `${path} ${sub.name()}`);
  };
  visit(program, program.name());
  return lines;
}

/** The table as the scripts read it: one `key<TAB>word word…` line per place. */
export function renderTable(lines: readonly CompletionLine[]): string {
  const text = lines.map((line) => `${line.key}\t${line.words.join(' ')}`).join('\n');
  // The scripts hold the table in single quotes.
  if (text.includes("'")) throw new Error('a command or option name contains a single quote');
  return text;
}

/** The options help shows (--help itself is commander's, added to every line above). */
function visibleOptions(command: Command): Option[] {
  return command.options.filter((option) => !option.hidden);
}

/** Its choices or offered values, else `@file` for a path argument, else `@value` (anything). */
function valueWords(option: Option): readonly string[] {
  const values = option.argChoices ?? offeredValues(option);
  if (values) return values;
  return /<(file|dir|path|directory)>/.test(option.flags) ? ['@file'] : ['@value'];
}
