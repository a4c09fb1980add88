// A failed runner image build explains itself: the failing step and its own last lines of output
// (npm's `npm error …`), then the hint; not the legacy builder's deprecation banner. `docker` here
// is a script on PATH that prints what the legacy builder prints when `npm ci` fails.
import { chmod, mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { describeError, InfrastructureError } from '../../../src/errors.ts';
import { buildRunnerImage } from '../../../src/runner/image.ts';

const BUILD_STDOUT = `Sending build context to Docker daemon  4.096kB
Step 1/9 : ARG BASE_IMAGE=docker.io/library/node:24-bookworm-slim
Step 2/9 : FROM \${BASE_IMAGE} AS deps
 ---> 1f2e3d4c5b6a
Step 3/9 : WORKDIR /app
 ---> Using cache
 ---> 2a3b4c5d6e7f
Step 4/9 : COPY package.json package-lock.json ./
 ---> 3b4c5d6e7f8a
Step 5/9 : RUN npm ci --no-audit --no-fund --loglevel=error
 ---> Running in 4c5d6e7f8a9b
npm error code E404
npm error 404 Not Found - GET https://registry.npmjs.org/left-padd - Not found
npm error 404
npm error 404  'left-padd@^1.3.0' is not in this registry.
npm error A complete log of this run can be found in: /root/.npm/_logs/debug-0.log
`;

const BUILD_STDERR = `DEPRECATED: The legacy builder is deprecated and will be removed in a future release.
            Install the buildx component to build images with BuildKit:
            https://docs.docker.com/go/buildx/

The command '/bin/sh -c npm ci --no-audit --no-fund --loglevel=error' returned a non-zero code: 1
`;

test(
  'the error names the failing step and shows its output, without the builder banner',
  { tags: ['001-FR-079'] },
  async () => {
    const dir = await mkdtemp(join(tmpdir(), 'incluster-build-failure-'));
    const bin = join(dir, 'bin');
    await mkdir(bin);
    await writeFile(join(dir, 'build.out'), BUILD_STDOUT);
    await writeFile(join(dir, 'build.err'), BUILD_STDERR);
    // `docker image inspect` finds nothing (so the build runs); `docker build` fails as above.
    await writeFile(
      join(bin, 'docker'),
      `#!/bin/sh\nif [ "$1" = build ]; then cat '${dir}/build.out'; cat '${dir}/build.err' >&2; exit 1; fi\necho 'Error: No such image' >&2\nexit 1\n`,
    );
    await chmod(join(bin, 'docker'), 0o755);
    await mkdir(join(dir, 'project/testing'), { recursive: true });
    await writeFile(
      join(dir, 'project/testing/Dockerfile'),
      'FROM docker.io/library/node:24-bookworm-slim\n',
    );
    await writeFile(join(dir, 'project/package.json'), '{}');

    const error = await buildRunnerImage({
      contextDir: join(dir, 'project'),
      dockerfile: join(dir, 'project/testing/Dockerfile'),
      repository: 'incluster-runner',
      buildArgs: { EXTRA_CA_CERTS: '' },
      env: { ...process.env, PATH: `${bin}:${process.env.PATH ?? ''}` },
      baseImageId: () => Promise.resolve('sha256:base'),
    }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(InfrastructureError);
    const text = describeError(error);
    const [message, hint] = text.split('\n  hint: ');
    expect(message).toMatch(
      /^building the runner image incluster-runner:[0-9a-f]{16} failed at step 5\/9: RUN npm ci --no-audit --no-fund --loglevel=error$/,
    );
    // The step's own output first, docker's verdict after it, then what to do.
    expect(hint).toContain(
      "    npm error 404  'left-padd@^1.3.0' is not in this registry.\n    npm error A complete log of this run can be found in: /root/.npm/_logs/debug-0.log\n    The command '/bin/sh -c npm ci --no-audit --no-fund --loglevel=error' returned a non-zero code: 1\nfix the step in",
    );
    expect(hint).toContain('npm error code E404');
    expect(text).not.toContain('DEPRECATED');
    expect(text).not.toContain('Running in');
    expect(hint).not.toContain('Step 4/9');
  },
);
