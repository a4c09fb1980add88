// Asks the local API server whether it is ready, with the admin client certificate. Used before any
// Kubernetes client exists, and to tell a healthy cluster (reuse it) from a broken one.
import { request } from 'node:https';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { NETWORK, type LocalLayout } from './layout.ts';
import { delay } from '../../../delay.ts';
import { readSupervisorStatus } from './supervisor.ts';

/** True when GET /readyz answers 200 within `timeoutMs`. */
export async function apiServerReady(layout: LocalLayout, timeoutMs = 2000): Promise<boolean> {
  let ca: Buffer, cert: Buffer, key: Buffer;
  try {
    ca = await readFile(join(layout.pkiDir, 'ca.crt'));
    cert = await readFile(join(layout.pkiDir, 'admin.crt'));
    key = await readFile(join(layout.pkiDir, 'admin.key'));
  } catch {
    return false;
  }
  return new Promise((resolve) => {
    const req = request(
      {
        host: NETWORK.nodeIp,
        port: NETWORK.apiPort,
        path: '/readyz',
        method: 'GET',
        ca,
        cert,
        key,
        timeout: timeoutMs,
      },
      (res) => {
        res.resume();
        resolve(res.statusCode === 200);
      },
    );
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
    req.end();
  });
}

/** The components the API server cannot answer without. */
const API_SERVER_NEEDS = ['etcd', 'kube-apiserver'];

/**
 * Exits in a row after which such a component is taken to be unable to start (a port in use, a bad
 * flag): the supervisor restarts it after 1, 2 and 4 s, so this is a crash loop of about 7 s, where
 * a slow but healthy start may take the whole timeout.
 */
export const CRASH_LOOP_EXITS = 3;

/**
 * Waits until the API server is ready. Undefined when it is; otherwise why not: a component it
 * needs keeps exiting (known from the supervisor's status, without waiting out the timeout), or the
 * timeout passed.
 */
export async function waitForApiServer(
  layout: LocalLayout,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<string | undefined> {
  const deadline = Date.now() + timeoutMs;
  // A process's health endpoint has no watch: ask a few times a second until it answers or time runs out.
  while (Date.now() < deadline) {
    signal?.throwIfAborted();
    if (await apiServerReady(layout)) return undefined;
    const looping = (await readSupervisorStatus(layout))?.components.find(
      (c) => API_SERVER_NEEDS.includes(c.name) && c.restarts >= CRASH_LOOP_EXITS,
    );
    if (looping)
      return `${looping.name} cannot start: it exited ${looping.restarts} times in a row, so the API server cannot become ready`;
    await delay(250);
  }
  return `the API server did not become ready within ${timeoutMs / 1000} s`;
}
