"""An example integration test.

`incluster run` runs it inside the cluster, in a pod next to the services from testing/k8s/services/:
the pod has PostgreSQL's standard variables (PGHOST, PGUSER, PGPASSWORD, …), so `psycopg.connect()`
needs no arguments. The marker names the requirement it verifies (specs/001-example/spec.md);
`incluster trace` reports it. Outside a pod (a plain `pytest` on your machine) it is skipped:
cluster DNS names resolve only inside the cluster, and Kubernetes sets KUBERNETES_SERVICE_HOST in
every container.
"""

import os

import pytest

pytestmark = pytest.mark.skipif(
    "KUBERNETES_SERVICE_HOST" not in os.environ, reason="runs inside the cluster (incluster run)"
)


@pytest.mark.requirement("001-FR-001")
def test_postgres_answers_through_cluster_dns():
    import psycopg  # the pytest plugin's postgres extra, installed in the runner image

    with psycopg.connect() as connection:
        assert connection.execute("SELECT 1").fetchone() == (1,)
