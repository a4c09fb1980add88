import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import {
  debianMirror,
  imageSourcesList,
  parseDeb822Sources,
  parseOneLineSources,
  pickDebianMirror,
} from '../../../../src/cluster/images/recipes/debian-mirror.ts';

// Host names below are placeholders in the reserved .example domain, never contacted.
const DEB822 = `Types: deb
# a comment inside a stanza
URIs: http://mirror.example/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://mirror.example/debian-security
Suites: bookworm-security
Components: main

Types: deb
URIs: http://disabled.example/debian
Suites: bookworm
Components: main
Enabled: no
`;

const ONE_LINE = `# deb http://commented.example/debian bookworm main
deb [arch=amd64 signed-by=/k.gpg] http://apt.example/debian/ bookworm main contrib
deb-src http://apt.example/debian bookworm main
deb http://apt.example/debian-security bookworm-security main
deb https://vendor.example/linux/debian bookworm stable
`;

describe('Debian mirror from the apt configuration', { tags: ['001-FR-009'] }, () => {
  test('deb822 stanzas, skipping comments and disabled ones', () => {
    expect(parseDeb822Sources(DEB822)).toEqual([
      {
        types: ['deb'],
        uris: ['http://mirror.example/debian'],
        suites: ['bookworm', 'bookworm-updates'],
        components: ['main'],
      },
      {
        types: ['deb'],
        uris: ['http://mirror.example/debian-security'],
        suites: ['bookworm-security'],
        components: ['main'],
      },
    ]);
  });

  test('one-line entries, skipping comments and options', () => {
    const sources = parseOneLineSources(ONE_LINE);
    expect(sources).toHaveLength(4);
    expect(sources[0]).toEqual({
      types: ['deb'],
      uris: ['http://apt.example/debian/'],
      suites: ['bookworm'],
      components: ['main', 'contrib'],
    });
    expect(sources[1]!.types).toEqual(['deb-src']);
  });

  test('the archive and security mirrors are picked, third-party repositories ignored', () => {
    expect(pickDebianMirror(parseDeb822Sources(DEB822))).toEqual({
      archive: 'http://mirror.example/debian',
      security: 'http://mirror.example/debian-security',
    });
    expect(pickDebianMirror(parseOneLineSources(ONE_LINE))).toEqual({
      archive: 'http://apt.example/debian',
      security: 'http://apt.example/debian-security',
    });
    expect(
      pickDebianMirror(parseOneLineSources('deb https://vendor.example/linux/debian bookworm stable\n')),
    ).toBe(undefined);
  });

  test('the image gets the release, its updates and security', () => {
    expect(
      imageSourcesList(
        { archive: 'http://m.example/debian', security: 'http://m.example/debian-security' },
        'bookworm',
      ),
    ).toBe(
      'deb http://m.example/debian bookworm main\n' +
        'deb http://m.example/debian bookworm-updates main\n' +
        'deb http://m.example/debian-security bookworm-security main\n',
    );
    expect(
      imageSourcesList({ archive: 'http://m.example/debian', security: undefined }, 'bookworm'),
    ).not.toContain('security');
  });

  test('read from an apt directory, or taken from INCLUSTER_DEBIAN_MIRROR', async () => {
    const apt = await mkdtemp(join(tmpdir(), 'incluster-apt-'));
    await mkdir(join(apt, 'sources.list.d'));
    await writeFile(join(apt, 'sources.list.d', 'debian.sources'), DEB822);
    await writeFile(
      join(apt, 'sources.list.d', 'vendor.list.disabled'),
      'deb http://other.example/debian bookworm main\n',
    );
    expect(await debianMirror({}, apt)).toEqual({
      archive: 'http://mirror.example/debian',
      security: 'http://mirror.example/debian-security',
    });
    expect(await debianMirror({ INCLUSTER_DEBIAN_MIRROR: 'http://env.example/debian/' }, apt)).toEqual({
      archive: 'http://env.example/debian',
      security: undefined,
    });
    const empty = await mkdtemp(join(tmpdir(), 'incluster-apt-'));
    await expect(debianMirror({}, empty)).rejects.toThrow(/no Debian mirror is configured/);
  });
});
