// The completion script of each shell: its file beside this module (incluster.bash, .zsh, .fish),
// with the table of the program's commands and options filled in.
import type { Command } from 'commander';
import { sourceTemplate } from '../../source-files.ts';
import { completionTable, renderTable } from './table.ts';

/** The shells `incluster completion` prints a script for. */
export const SHELLS = ['bash', 'zsh', 'fish'] as const;
export type Shell = (typeof SHELLS)[number];

/** The completion script of `shell` for `program` (with every command loaded). */
export function completionScript(program: Command, shell: Shell): string {
  const table = renderTable(completionTable(program));
  const bash = () => sourceTemplate(import.meta.url, 'incluster.bash', { TABLE: table });
  switch (shell) {
    case 'bash':
      return bash();
    case 'zsh':
      return sourceTemplate(import.meta.url, 'incluster.zsh', { BASH: bash() });
    case 'fish':
      return sourceTemplate(import.meta.url, 'incluster.fish', { TABLE: table });
  }
}
