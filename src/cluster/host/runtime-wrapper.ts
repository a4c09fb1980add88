// A runc wrapper for machines whose capability bounding set lacks a capability. kind starts every
// node with `--privileged`, which asks runc for all capabilities; on such a machine runc fails with
// "unable to apply caps: operation not permitted" (measured here: CAP_SYS_RESOURCE is missing).
// The wrapper removes the missing capabilities from the OCI spec runc is handed, then execs the real
// runc with the same arguments. It serves twice: as the kind engine's default runtime (the nodes),
// and inside each node as containerd's runc (privileged pods such as kube-proxy).
import { readFile } from 'node:fs/promises';
import { sourceTemplate } from '../../source-files.ts';

/** Where the wrapper lives inside the node image (containerd's runtime BinaryName points here). */
export const NODE_RUNTIME_WRAPPER = '/usr/local/sbin/incluster-runc';

/** Debian's runc, on the host and in the node image alike. */
export const REAL_RUNC = '/usr/sbin/runc';

/** Linux capability names by bit number (capability.h), for reading /proc's CapBnd mask. */
const CAPABILITIES = [
  'CAP_CHOWN',
  'CAP_DAC_OVERRIDE',
  'CAP_DAC_READ_SEARCH',
  'CAP_FOWNER',
  'CAP_FSETID',
  'CAP_KILL',
  'CAP_SETGID',
  'CAP_SETUID',
  'CAP_SETPCAP',
  'CAP_LINUX_IMMUTABLE',
  'CAP_NET_BIND_SERVICE',
  'CAP_NET_BROADCAST',
  'CAP_NET_ADMIN',
  'CAP_NET_RAW',
  'CAP_IPC_LOCK',
  'CAP_IPC_OWNER',
  'CAP_SYS_MODULE',
  'CAP_SYS_RAWIO',
  'CAP_SYS_CHROOT',
  'CAP_SYS_PTRACE',
  'CAP_SYS_PACCT',
  'CAP_SYS_ADMIN',
  'CAP_SYS_BOOT',
  'CAP_SYS_NICE',
  'CAP_SYS_RESOURCE',
  'CAP_SYS_TIME',
  'CAP_SYS_TTY_CONFIG',
  'CAP_MKNOD',
  'CAP_LEASE',
  'CAP_AUDIT_WRITE',
  'CAP_AUDIT_CONTROL',
  'CAP_SETFCAP',
  'CAP_MAC_OVERRIDE',
  'CAP_MAC_ADMIN',
  'CAP_SYSLOG',
  'CAP_WAKE_ALARM',
  'CAP_BLOCK_SUSPEND',
  'CAP_AUDIT_READ',
  'CAP_PERFMON',
  'CAP_BPF',
  'CAP_CHECKPOINT_RESTORE',
] as const;

/** The capabilities runc knows that are absent from a `CapBnd:` hex mask (from /proc/self/status). */
export function missingCapabilities(capBndHex: string): string[] {
  const mask = BigInt(`0x${capBndHex.trim()}`);
  return CAPABILITIES.filter((_, bit) => (mask & (1n << BigInt(bit))) === 0n);
}

/** The capabilities this process's bounding set lacks (those a privileged container cannot get). */
export async function missingHostCapabilities(): Promise<string[]> {
  const status = await readFile('/proc/self/status', 'utf8');
  const line = /^CapBnd:\s*([0-9a-f]+)$/m.exec(status);
  return line ? missingCapabilities(line[1]!) : [];
}

/**
 * The wrapper script (runtime-wrapper/incluster-runc.sh: POSIX sh and jq, both on the host and in
 * the node image). It edits only the files runc would read: `--bundle DIR` (create, run) →
 * DIR/config.json, `--process FILE` (exec).
 */
export function runtimeWrapperScript(drop: readonly string[], realRunc: string = REAL_RUNC): string {
  for (const cap of drop)
    if (!/^CAP_[A-Z_]+$/.test(cap)) throw new Error(`not a capability name: \`${cap}\``);
  return sourceTemplate(import.meta.url, 'runtime-wrapper/incluster-runc.sh', {
    DROP_NAMES: drop.join(', ') || 'none',
    DROP: JSON.stringify(drop),
    REAL_RUNC: realRunc,
  });
}
