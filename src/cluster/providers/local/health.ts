// Asks the local API server whether it is ready, with the admin client certificate. Used before any
// Kubernetes client exists, and to tell a healthy cluster (reuse it) from a broken one.
import { request } from 'node:https';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { NETWORK, type LocalLayout } from './layout.ts';
import { delay } from '../../../delay.ts';

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

/** Waits until the API server is ready; the supervisor's status names a crashing component meanwhile. */
export async function waitForApiServer(
  layout: LocalLayout,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  // A process's health endpoint has no watch: ask a few times a second until it answers or time runs out.
  while (Date.now() < deadline) {
    signal?.throwIfAborted();
    if (await apiServerReady(layout)) return true;
    await delay(250);
  }
  return false;
}
