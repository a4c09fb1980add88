// Ctrl-C at a real terminal for a command with nothing to clean up (FR-133): `incluster sweep`
// waiting on an API server that accepts the connection and never answers (a server of this test
// on 127.0.0.1) stops at the first Ctrl-C, says so, and exits 130, without waiting for its timeout.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startInTerminal } from '../../support/terminal.ts';

const CLI = join(import.meta.dirname, '../../../src/cli/main.ts');
const held = new Set<Socket>();
const server = createServer((socket) => held.add(socket));
let kubeconfig: string;

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const dir = await mkdtemp(join(tmpdir(), 'incluster-stuck-api-'));
  kubeconfig = join(dir, 'kubeconfig');
  await writeFile(
    kubeconfig,
    `apiVersion: v1
kind: Config
clusters: [{ name: stuck, cluster: { server: "https://127.0.0.1:${port}", insecure-skip-tls-verify: true } }]
users: [{ name: stuck, user: { token: not-a-token } }]
contexts: [{ name: stuck, context: { cluster: stuck, user: stuck } }]
current-context: stuck
`,
  );
});

afterAll(async () => {
  for (const socket of held) socket.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe('Ctrl-C at a terminal, nothing to clean up', { tags: ['001-FR-133'] }, () => {
  test('sweep waiting on a silent API server stops at once with 130', async () => {
    const session = await startInTerminal([process.execPath, CLI, 'sweep', '--kubeconfig', kubeconfig], {
      cwd: await mkdtemp(join(tmpdir(), 'incluster-sweep-tty-')),
    });
    try {
      await expect.poll(() => held.size, { timeout: 15_000 }).toBeGreaterThan(0);
      const typed = Date.now();
      session.ctrlC();
      expect(await session.exited, await session.text()).toBe(130);
      expect(Date.now() - typed, 'it waited for the request instead of stopping').toBeLessThan(3_000);
      expect(await session.text()).toContain('SIGINT received; nothing to clean up, stopping');
    } finally {
      session.kill();
    }
  });
});
