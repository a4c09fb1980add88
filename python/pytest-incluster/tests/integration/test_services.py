"""Services by name, Redis, port-forwards and Helm releases, on the real cluster."""

from __future__ import annotations

import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from kubernetes import client

from cluster_helpers import SERVE, http_service, pod_manifest, workload
from pytest_incluster.conditions import pod_ready
from pytest_incluster.namespace import TestNamespace
from pytest_incluster.wait import wait_for

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
REDIS_IMAGE = "docker.io/library/redis:7.0-bookworm"
REDIS_PASSWORD = "s3cret-redis-passw0rd"


def redis_objects() -> list[dict[str, Any]]:
    """Redis as `incluster up` deploys it (src/services/redis.ts): a StatefulSet, a Service, a Secret."""
    labels = {"app": "redis"}
    start = (
        'umask 077 && printf \'requirepass "%s"\\n\' "$REDIS_PASSWORD" > /tmp/redis.conf && '
        "exec redis-server /tmp/redis.conf --port 6379 --protected-mode no --save '' --appendonly no"
    )
    password = {"secretKeyRef": {"name": "redis-credentials", "key": "password"}}
    redis = workload("StatefulSet", "redis", start, REDIS_IMAGE)
    container = redis["spec"]["template"]["spec"]["containers"][0]
    container.update(
        env=[{"name": "REDIS_PASSWORD", "valueFrom": password}],
        ports=[{"name": "redis", "containerPort": 6379}],
        readinessProbe={"tcpSocket": {"port": 6379}, "periodSeconds": 1},
        resources={"requests": {"cpu": "10m", "memory": "16Mi"}, "limits": {"memory": "64Mi"}},
    )
    redis["spec"]["template"]["spec"]["securityContext"]["runAsUser"] = 999
    service = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "redis"},
        "spec": {"selector": labels, "ports": [{"name": "redis", "port": 6379, "targetPort": "redis"}]},
    }
    secret = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "redis-credentials"},
        "stringData": {"password": REDIS_PASSWORD},
    }
    return [secret, redis, service]


@pytest.fixture(scope="module")
def services_namespace(module_namespace: TestNamespace) -> TestNamespace:
    """A services' namespace of this module's own: Redis and a declared web service."""
    module_namespace.apply([*redis_objects(), workload("Deployment", "web", SERVE), http_service("web")])
    return module_namespace


INNER = """
import urllib.request
import pytest
from pytest_incluster.redaction import redactor

@pytest.mark.requirement("001-FR-165")
def test_redis(redis_target, redis_client):
    assert redis_target.via == "port-forward" and redis_target.host == "127.0.0.1"
    assert redis_target.url.startswith("redis://default:")
    assert redis_target.password not in redactor.redact(f"password is {redis_target.password}")
    redis_client.set("greeting", "hello")
    assert redis_client.get("greeting") == "hello"

@pytest.mark.requirement("001-FR-166")
def test_services_by_name(incluster_service):
    web = incluster_service("web")
    assert web.via == "port-forward"
    assert urllib.request.urlopen(f"http://{web.address}/", timeout=10).read().startswith(b"hello from web")
    assert incluster_service("redis").via == "port-forward"

@pytest.mark.requirement("001-FR-166")
def test_an_unknown_service_lists_the_names(incluster_service):
    with pytest.raises(pytest.UsageError, match="no service named `search` in the config \\\\(there are: postgres, redis, web\\\\)"):
        incluster_service("search")
"""


@pytest.mark.requirement("001-FR-165", "001-FR-166")
def test_redis_and_declared_services_from_the_projects_config(
    pytester: pytest.Pytester, services_namespace: TestNamespace
) -> None:
    (pytester.path / "incluster.config.yaml").write_text(
        f"namespace: {services_namespace.name}\n"
        "redis:\n  enabled: true\n"
        "services:\n  declared:\n    - name: web\n      port: 80\n      scheme: http\n"
    )
    pytester.makepyfile(test_inner=INNER)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-o", "incluster_wait_timeout=60")
    assert result.ret == pytest.ExitCode.OK, result.stdout.str()
    result.assert_outcomes(passed=3)


@pytest.mark.requirement("001-FR-167")
def test_port_forwards_to_a_service_by_named_port_and_to_a_pod(
    port_forward: Any, k8s_client: client.ApiClient, test_namespace: TestNamespace
) -> None:
    test_namespace.apply(
        [
            workload("Deployment", "site", SERVE),
            http_service("site"),
            pod_manifest("solo", command=["sh", "-c", SERVE]),
        ]
    )
    wait_for(
        pod_ready(k8s_client, test_namespace.name, "solo"), timeout=60
    )  # a bare pod: apply waits for workloads
    to_service = port_forward("web", service="site", namespace=test_namespace.name)
    to_pod = port_forward(8080, pod="solo", namespace=test_namespace.name)
    assert (
        urllib.request.urlopen(f"http://{to_service.address}/", timeout=10)
        .read()
        .startswith(b"hello from site")
    )
    assert urllib.request.urlopen(f"http://{to_pod.address}/", timeout=10).read() == b"hello from solo\n"
    with test_namespace.port_forward(80, service="site") as forward:  # the context manager
        address = forward.address
        assert urllib.request.urlopen(f"http://{address}/", timeout=10).status == 200
    with pytest.raises(urllib.error.URLError, match="refused"):
        urllib.request.urlopen(f"http://{address}/", timeout=5)  # closed with the block


@pytest.mark.requirement("001-FR-164")
def test_a_helm_release_in_the_test_namespace(
    helm_release: Any, k8s_client: client.ApiClient, test_namespace: TestNamespace
) -> None:
    release = helm_release(
        FIXTURES / "chart", values=[FIXTURES / "chart" / "ci-values.yaml"], set_values={"owner": "fixture"}
    )
    assert (release.release, release.namespace) == ("chart", test_namespace.name)
    settings = client.CoreV1Api(k8s_client).read_namespaced_config_map("chart-settings", test_namespace.name)
    assert settings.data == {"greeting": "hello-from-the-values-file", "owner": "fixture"}
    deployment = client.AppsV1Api(k8s_client).read_namespaced_deployment("chart", test_namespace.name)
    assert deployment.status.ready_replicas == 1
