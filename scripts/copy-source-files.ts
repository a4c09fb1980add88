// The build's second step: copies the files of other languages under src/ (C, shell, Dockerfiles,
// TOML, YAML, systemd units; read by their modules with src/source-files.ts) into dist/ at the same
// relative paths, where the compiled modules look for them. tsc copies only what it compiles.
import { copyFileSync, mkdirSync, readdirSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Every file under `srcDir` that is not TypeScript, relative to `srcDir`, sorted. */
export function sourceFilesToShip(srcDir: string): string[] {
  return readdirSync(srcDir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && !entry.name.endsWith('.ts'))
    .map((entry) => relative(srcDir, join(entry.parentPath, entry.name)))
    .sort();
}

/** Copies those files from `srcDir` to the same places under `outDir`; returns them. */
export function copySourceFiles(srcDir: string, outDir: string): string[] {
  const files = sourceFilesToShip(srcDir);
  for (const file of files) {
    mkdirSync(dirname(join(outDir, file)), { recursive: true });
    copyFileSync(join(srcDir, file), join(outDir, file));
  }
  return files;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const root = join(import.meta.dirname, '..');
  copySourceFiles(join(root, 'src'), join(root, 'dist'));
}
