// The Vitest setup file `withRequirements` adds to every project: each test worker sends the secret
// values its process-wide redactor learns (the postgres fixture's password, any Secret read through
// incluster's kube client) to the RedactingReporter in the main process, through the private relay
// file, never through a channel a reporter prints. Writes straight to process.stdout/stderr skip
// Vitest's console capture, so the worker masks those itself.
import { redactor } from './redactor.ts';
import { redactWrites } from './stream-writes.ts';
import { relayLearnedSecrets } from './secret-relay.ts';
import { credentialEnvValues } from './secret-sources.ts';

relayLearnedSecrets(redactor);
for (const value of credentialEnvValues(process.env)) redactor.add(value);
redactWrites(process.stdout, redactor);
redactWrites(process.stderr, redactor);
