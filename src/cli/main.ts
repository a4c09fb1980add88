#!/usr/bin/env node
// The process entry point: the only place that sets the exit status and wires signals.
// A namespace import: Node.js before 22.1 has no enableCompileCache, and a named import of it would
// fail to link before the version check below could name the Node.js needed.
import * as nodeModule from 'node:module';
import { join } from 'node:path';
import { cacheRoot } from '../cluster/cache.ts';
import { ExitStatus } from '../errors.ts';
import { nodeVersionProblem, requiredNode } from './node-version.ts';

// V8's code cache for every module loaded after this line: compiling the CLI and its dependencies
// (oxc's generated deserializers, zod, yaml) was about a tenth of a `trace` run, paid at every
// start. Kept with incluster's other caches unless NODE_COMPILE_CACHE chooses a place (and
// NODE_DISABLE_COMPILE_CACHE=1 turns it off); a cache that cannot be written only costs the speed-up.
nodeModule.enableCompileCache?.(
  process.env.NODE_COMPILE_CACHE ? undefined : join(cacheRoot(), 'node-compile-cache'),
);

// Before the rest of the CLI is loaded: on a too-old Node.js its dependencies fail with errors that
// name neither Node.js nor the version needed.
const required = requiredNode();
const tooOld = required ? nodeVersionProblem(process.versions.node, required) : undefined;
if (tooOld) {
  process.stderr.write(
    `incluster: ${tooOld}\n  hint: install a newer Node.js (the current LTS works), e.g. from https://nodejs.org or with your version manager (nvm install --lts)\n`,
  );
  process.exit(ExitStatus.infrastructure);
}
const { runCli } = await import('./program.ts');
const { Interrupts } = await import('../interrupt/interrupts.ts');
const { liveChildrenExited, signalLiveChildren, startChildrenInOwnGroups } =
  await import('../process/exec.ts');

// Only this process hears the terminal's Ctrl-C: its subprocesses run in process groups of their
// own, and what happens to them on an interrupt is decided here (interrupt/interrupts.ts).
startChildrenInOwnGroups();
const interrupts = new Interrupts();
const host = {
  write: (text: string) => process.stderr.write(text),
  terminal: Boolean(process.stderr.isTTY),
  exit: (code: number) => process.exit(code),
  signalChildren: signalLiveChildren,
  childrenExited: liveChildrenExited,
};
for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.on(signal, () => void interrupts.interrupt(signal, host));
// A closed terminal (SIGHUP) ends the command like SIGTERM; the children, in groups of their own, would
// otherwise outlive it. Nothing can be shown any more: writes to the gone terminal fail, harmlessly.
process.once('SIGHUP', () => {
  for (const stream of [process.stdout, process.stderr]) stream.on('error', () => undefined);
  void interrupts.interrupt('SIGTERM', host);
});

const status = await runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  cwd: process.cwd(),
  env: process.env,
  signal: interrupts.signal,
  interrupts,
});
// Exit as soon as the command is done: the Kubernetes client keeps idle TLS connections alive for
// tens of seconds, which would otherwise hold the process open. Drain stdout first (it may be a pipe).
process.stdout.write('', () => process.exit(status));
