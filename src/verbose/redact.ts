// What a verbose line may show of a command line or a request: every argument and URL as the
// redactor leaves it (Secret values it learned, password=…, bearer tokens), and the value after a
// flag that names a credential (`--token abc`, `--password hunter2`) masked even when the redactor
// never saw it.
import type { Redactor } from '../redaction/redactor.ts';

const MASK = '[REDACTED]';
/** A flag whose next argument is a credential: --token, --password, --client-secret, --api-key. */
const CREDENTIAL_FLAG = /^--?[\w-]*(?:token|password|passwd|secret|api[-_]?key|auth)[\w-]*$/i;
/** A header given on the command line (curl -H, wget --header): the value of Authorization goes. */
const AUTH_HEADER = /^(authorization|proxy-authorization|x-api-key)\s*:/i;

/** `argv` with credentials masked, one string per argument. */
export function redactArgv(argv: readonly string[], redactor: Redactor): string[] {
  return argv.map((arg, index) => {
    const previous = argv[index - 1];
    if (previous !== undefined && CREDENTIAL_FLAG.test(previous) && !arg.startsWith('-')) return MASK;
    const header = AUTH_HEADER.exec(arg);
    if (header) return `${header[1]}: ${MASK}`;
    const flagValue = /^(--?[\w-]+=)(.*)$/s.exec(arg);
    if (flagValue && CREDENTIAL_FLAG.test(flagValue[1]!.slice(0, -1))) return `${flagValue[1]}${MASK}`;
    return redactor.redact(arg);
  });
}

/** A URL's path and query with credential-named query parameters (token, access_token, …) masked. */
export function redactUrl(url: string, redactor: Redactor): string {
  return redactor.redact(
    url.replace(
      /([?&][\w-]*(?:token|password|secret|key|auth)[\w-]*=)[^&#]*/gi,
      (_match, name: string) => `${name}${MASK}`,
    ),
  );
}
