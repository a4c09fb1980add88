import { describe, expect, test } from 'vitest';
import {
  DEFAULT_DOCKER_HOST,
  dockerCliEnv,
  dockerdArgs,
  dockerdPaths,
  dockerEngineFor,
  mountsUnder,
} from '../../../../../src/cluster/providers/local/images/docker-engine.ts';

describe('the Docker engine we start', { tags: ['001-FR-009'] }, () => {
  test('on the default socket: data-root in the cache, pid file and log in the state directory', () => {
    const paths = dockerdPaths('/var/lib/incluster/dev', '/cache', DEFAULT_DOCKER_HOST);
    expect(paths).toEqual({
      socketPath: '/var/run/docker.sock',
      dataRoot: '/cache/docker/data',
      execRoot: '/run/incluster-docker',
      pidFile: '/var/lib/incluster/dev/docker/dockerd.pid',
      configFile: '/var/lib/incluster/dev/docker/daemon.json',
      logFile: '/var/lib/incluster/dev/logs/dockerd.log',
    });
  });

  test('an engine on another socket never shares the data-root or exec-root', () => {
    const other = dockerdPaths('/s', '/cache', 'unix:///tmp/x/docker.sock');
    expect(other.socketPath).toBe('/tmp/x/docker.sock');
    expect(other.dataRoot).toMatch(/^\/cache\/docker\/data-[0-9a-f]{8}$/);
    expect(other.execRoot).toMatch(/^\/run\/incluster-docker-[0-9a-f]{8}$/);
    expect(dockerdPaths('/s', '/cache', 'unix:///tmp/y/docker.sock').dataRoot).not.toBe(other.dataRoot);
    expect(() => dockerdPaths('/s', '/cache', 'tcp://127.0.0.1:2375')).toThrow(/unix:\/\//);
  });

  test('dockerd never touches the host network and uses the given containerd', () => {
    const paths = dockerdPaths('/state', '/cache', DEFAULT_DOCKER_HOST);
    const args = dockerdArgs(paths, '/run/incluster/dev/containerd.sock');
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
});
