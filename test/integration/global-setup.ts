// Integration and fault tests run against the real local cluster brought up by scripts/test-all.sh
// (or by hand with `incluster up --provider local`). This setup only checks that it is there, so a
// missing cluster fails fast with a clear message instead of every test timing out.
import { existsSync } from 'node:fs';
import type { TestProject } from 'vitest/node';

export default function setup(project: TestProject): void {
  const kubeconfig = process.env.KUBECONFIG;
  if (!kubeconfig || !existsSync(kubeconfig)) {
    throw new Error(
      `${project.name} tests need a cluster: set KUBECONFIG to its admin kubeconfig (scripts/test-all.sh brings up the local cluster and sets it)`,
    );
  }
}
