import { describe, expect, test } from 'vitest';
import {
  argOf,
  DEFAULT_DOCKER_HOST,
  dockerCliEnv,
  dockerdArgs,
  dockerEngineFor,
  mountsUnder,
  unmountAndRemove,
} from '../../../../src/cluster/host/dockerd.ts';
import { buildEngineSpec } from '../../../../src/cluster/providers/local/build-engine.ts';

describe('the Docker engine the local provider starts to build images', { tags: ['001-FR-009'] }, () => {
  test('on the default socket: data-root in the cache, pid file and log in the state directory', () => {
    const spec = buildEngineSpec('/var/lib/incluster/dev', '/cache', DEFAULT_DOCKER_HOST);
    expect(spec).toEqual({
      host: DEFAULT_DOCKER_HOST,
      containerd: '/run/containerd/containerd.sock',
      dataRoot: '/cache/docker/data',
      execRoot: '/run/incluster-docker',
      pidFile: '/var/lib/incluster/dev/docker/dockerd.pid',
      configFile: '/var/lib/incluster/dev/docker/daemon.json',
      logFile: '/var/lib/incluster/dev/logs/dockerd.log',
    });
  });

  test('an engine on another socket never shares the data-root or exec-root', () => {
    const other = buildEngineSpec('/s', '/cache', 'unix:///tmp/x/docker.sock');
    expect(other.host).toBe('unix:///tmp/x/docker.sock');
    expect(other.dataRoot).toMatch(/^\/cache\/docker\/data-[0-9a-f]{8}$/);
    expect(other.execRoot).toMatch(/^\/run\/incluster-docker-[0-9a-f]{8}$/);
    expect(buildEngineSpec('/s', '/cache', 'unix:///tmp/y/docker.sock').dataRoot).not.toBe(other.dataRoot);
    expect(() => buildEngineSpec('/s', '/cache', 'tcp://127.0.0.1:2375')).toThrow(/unix:\/\//);
  });

  test('dockerd never touches the host network and uses the given containerd', () => {
    const spec = buildEngineSpec(
      '/state',
      '/cache',
      DEFAULT_DOCKER_HOST,
      '/run/incluster/dev/containerd.sock',
    );
    const args = dockerdArgs(spec);
    expect(args).toEqual(
      expect.arrayContaining([
        '--iptables=false',
        '--ip-forward=false',
        '--ip-masq=false',
        '--bridge=none',
        '--userland-proxy=false',
      ]),
    );
    const value = (flag: string) => args[args.indexOf(flag) + 1];
    expect(value('--containerd')).toBe('/run/incluster/dev/containerd.sock');
    expect(value('--host')).toBe('unix:///var/run/docker.sock');
    expect(value('--data-root')).toBe('/cache/docker/data');
    expect(value('--pidfile')).toBe('/state/docker/dockerd.pid');
    expect(value('--config-file')).toBe('/state/docker/daemon.json');
    // No networks of its own: no address pool, no cgroup parent, runc as it is.
    expect(args).not.toContain('--default-address-pool');
    expect(args).not.toContain('--cgroup-parent');
    expect(args).not.toContain('--default-runtime');
    expect(argOf(args, '--exec-root')).toBe('/run/incluster-docker');
  });

  test('the docker CLI gets DOCKER_HOST and the legacy builder', () => {
    const env = dockerCliEnv('unix:///x.sock', { PATH: '/bin', DOCKER_BUILDKIT: '1' });
    expect(env).toMatchObject({ PATH: '/bin', DOCKER_HOST: 'unix:///x.sock', DOCKER_BUILDKIT: '0' });
    expect(dockerEngineFor({}).host).toBe(DEFAULT_DOCKER_HOST);
    expect(dockerEngineFor({ DOCKER_HOST: 'unix:///y.sock' })).toMatchObject({
      host: 'unix:///y.sock',
      startedByUs: false,
    });
  });
});

describe('stopping the Docker engine we started', { tags: ['001-FR-003'] }, () => {
  test('finds the mounts dockerd left in its exec-root, deepest first, and nothing else', () => {
    const procMounts = [
      '/dev/vda / ext4 rw 0 0',
      'nsfs /run/incluster-docker/netns/default nsfs rw 0 0',
      'tmpfs /run/incluster-docker nsfs rw 0 0',
      'nsfs /run/incluster-docker-0a1b2c3d/netns/default nsfs rw 0 0',
      'overlay /var/lib/docker/overlay2/x/merged overlay rw 0 0',
    ].join('\n');
    expect(mountsUnder(procMounts, '/run/incluster-docker')).toEqual([
      '/run/incluster-docker/netns/default',
      '/run/incluster-docker',
    ]);
    expect(mountsUnder(procMounts, '/run/other')).toEqual([]);
  });

  test('never unmounts or removes the root or a relative path', async () => {
    await expect(unmountAndRemove('')).rejects.toThrow(/refusing/);
    await expect(unmountAndRemove('/')).rejects.toThrow(/refusing/);
    await expect(unmountAndRemove('run/x')).rejects.toThrow(/refusing/);
  });
});
