// Root filesystems for images that hold one static binary and nothing else (no distribution).
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** A user of a minimal /etc/passwd. */
export interface RootfsUser {
  name: string;
  uid: number;
  home: string;
  shell: string;
}

/** /etc/passwd and /etc/group lines for `users` (each with a group of the same name and id). */
export function passwdFiles(users: readonly RootfsUser[]): { passwd: string; group: string } {
  return {
    passwd: users.map((u) => `${u.name}:x:${u.uid}:${u.uid}:${u.name}:${u.home}:${u.shell}\n`).join(''),
    group: users.map((u) => `${u.name}:x:${u.uid}:\n`).join(''),
  };
}

/** Creates the skeleton every image has: /etc with users, a sticky /tmp, /root. */
export async function writeRootfsSkeleton(rootfs: string, users: readonly RootfsUser[]): Promise<void> {
  await mkdir(join(rootfs, 'etc'), { recursive: true });
  await mkdir(join(rootfs, 'tmp'), { recursive: true });
  await mkdir(join(rootfs, 'root'), { recursive: true });
  // Explicit chmod: mkdir's mode is masked by the umask, and /tmp must be world-writable and sticky.
  await chmod(join(rootfs, 'tmp'), 0o1777);
  await chmod(join(rootfs, 'root'), 0o700);
  const { passwd, group } = passwdFiles(users);
  await writeFile(join(rootfs, 'etc', 'passwd'), passwd);
  await writeFile(join(rootfs, 'etc', 'group'), group);
}

/** True when `elf` is a 64-bit little-endian ELF executable without a program interpreter (static). */
export function isStaticElf(elf: Buffer): boolean {
  if (elf.length < 64 || elf.readUInt32BE(0) !== 0x7f454c46) return false;
  if (elf[4] !== 2 || elf[5] !== 1) return false; // ELFCLASS64, little-endian
  const phoff = Number(elf.readBigUInt64LE(0x20));
  const phentsize = elf.readUInt16LE(0x36);
  const phnum = elf.readUInt16LE(0x38);
  if (phentsize < 4 || phoff + phentsize * phnum > elf.length) return false;
  const PT_INTERP = 3;
  for (let i = 0; i < phnum; i += 1) {
    if (elf.readUInt32LE(phoff + i * phentsize) === PT_INTERP) return false;
  }
  return true;
}
