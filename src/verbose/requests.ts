// Each HTTP request the process makes through undici (the Kubernetes client's fetch, and any other),
// as one verbose line when its response headers arrive or it fails: method, URL, status, duration.
// Read from undici's diagnostics channels, so no client has to be wrapped and none can be missed;
// a watch is listed when it starts, its stream is not. Bodies and headers are never shown, and the URL
// goes through the redactor.
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { redactUrl } from './redact.ts';
import { verboseLine, verboseRedactor } from './log.ts';

interface UndiciRequest {
  origin?: string | URL;
  method?: string;
  path?: string;
}

const started = new WeakMap<object, number>();

function url(request: UndiciRequest): string {
  return `${String(request.origin ?? '').replace(/\/$/, '')}${request.path ?? ''}`;
}

function line(request: UndiciRequest, outcome: string): void {
  const since = started.get(request);
  const ms = since === undefined ? '' : ` (${Math.round(performance.now() - since)} ms)`;
  verboseLine(`${request.method ?? 'GET'} ${redactUrl(url(request), verboseRedactor())} ${outcome}${ms}`);
}

const onCreate = (message: unknown) => {
  const { request } = message as { request: UndiciRequest };
  started.set(request, performance.now());
};
const onHeaders = (message: unknown) => {
  const { request, response } = message as { request: UndiciRequest; response: { statusCode: number } };
  line(request, String(response.statusCode));
};
const onError = (message: unknown) => {
  const { request, error } = message as { request: UndiciRequest; error: Error };
  line(request, `failed: ${error.message}`);
};

const CHANNELS: [string, (message: unknown) => void][] = [
  ['undici:request:create', onCreate],
  ['undici:request:headers', onHeaders],
  ['undici:request:error', onError],
];

/** Lists every request from now on; returns the function that stops listing them. */
export function listRequests(): () => void {
  for (const [name, listener] of CHANNELS) subscribe(name, listener);
  return () => {
    for (const [name, listener] of CHANNELS) unsubscribe(name, listener);
  };
}
