// The Vitest setup file `withRequirements` adds to every project: each test worker sends the secret
// values its process-wide redactor learns (the postgres fixture's password, any Secret read through
// incluster's kube client) to the RedactingReporter in the main process, through the private relay
// file, never through a channel a reporter prints.
import { redactor } from '../kube/redaction.ts';
import { relayLearnedSecrets } from './secret-relay.ts';

relayLearnedSecrets(redactor);
