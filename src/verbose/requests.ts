// Each HTTP request the process makes, as one verbose line when its response headers arrive or it
// fails: method, URL, status, duration. Read from diagnostics channels, so no client has to be
// wrapped and none can be missed: undici's (the Kubernetes client's fetch, and any other) and
// node:http's (the WebSockets of exec, attach and port-forward, listed with their 101 upgrade). A
// watch or a WebSocket is listed when it starts, its stream is not. Bodies and headers are never
// shown, and the URL goes through the redactor.
import type { ClientRequest, IncomingMessage } from 'node:http';
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

/** A node:http request as undici's are described: its origin and path. */
function described(request: ClientRequest): UndiciRequest {
  const entry = {
    method: request.method,
    origin: `${request.protocol}//${String(request.getHeader('host') ?? request.host)}`,
    path: request.path,
  };
  started.set(entry, performance.now());
  return entry;
}

const nodeRequests = new WeakMap<ClientRequest, UndiciRequest>();

const onNodeStart = (message: unknown) => {
  const { request } = message as { request: ClientRequest };
  const entry = described(request);
  nodeRequests.set(request, entry);
  // An upgraded request (a WebSocket) ends no response: its 101 is the line.
  request.once('upgrade', (response: IncomingMessage) => line(entry, String(response.statusCode)));
};
const onNodeResponse = (message: unknown) => {
  const { request, response } = message as { request: ClientRequest; response: IncomingMessage };
  const entry = nodeRequests.get(request);
  if (entry) line(entry, String(response.statusCode));
};
const onNodeError = (message: unknown) => {
  const { request, error } = message as { request: ClientRequest; error: Error };
  const entry = nodeRequests.get(request);
  if (entry) line(entry, `failed: ${error.message}`);
};

const CHANNELS: [string, (message: unknown) => void][] = [
  ['undici:request:create', onCreate],
  ['undici:request:headers', onHeaders],
  ['undici:request:error', onError],
  ['http.client.request.start', onNodeStart],
  ['http.client.response.finish', onNodeResponse],
  ['http.client.request.error', onNodeError],
];

/** Lists every request from now on; returns the function that stops listing them. */
export function listRequests(): () => void {
  for (const [name, listener] of CHANNELS) subscribe(name, listener);
  return () => {
    for (const [name, listener] of CHANNELS) unsubscribe(name, listener);
  };
}
