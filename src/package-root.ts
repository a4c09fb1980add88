// Where incluster's own package is installed: src/ (or dist/ once built) is one level below it.
// Files the package ships besides code (templates, testing/, the pytest plugin) are read from here.
import { resolve } from 'node:path';

/** incluster's package root. */
export const PACKAGE_ROOT = resolve(import.meta.dirname, '..');
