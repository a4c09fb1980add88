"""Deploying into a test's namespace: files, directories, kustomize, YAML text, dicts, the marker."""

from __future__ import annotations

import time
import urllib.request
from pathlib import Path

import pytest
from kubernetes import client

from cluster_helpers import http_service, workload
from pytest_incluster.namespace import TestNamespace
from pytest_incluster.wait import WaitImpossible

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
pytestmark = pytest.mark.requirement("001-FR-162")


def config_maps(api: client.ApiClient, namespace: str) -> dict[str, dict[str, str]]:
    items = client.CoreV1Api(api).list_namespaced_config_map(namespace).items
    return {c.metadata.name: c.data for c in items if c.metadata.name != "kube-root-ca.crt"}


def test_a_directory_is_applied_into_the_namespace_and_waited_ready(
    k8s_client: client.ApiClient, test_namespace: TestNamespace
) -> None:
    applied = test_namespace.apply(FIXTURES / "plain")
    assert [(o["kind"], o["metadata"]["namespace"]) for o in applied] == [
        ("ConfigMap", test_namespace.name),
        ("ConfigMap", test_namespace.name),
        ("Deployment", test_namespace.name),
        ("Service", test_namespace.name),
    ]
    deployment = client.AppsV1Api(k8s_client).read_namespaced_deployment("web", test_namespace.name)
    assert deployment.status.ready_replicas == 1  # ready when apply returned, not later
    assert deployment.metadata.labels["app.kubernetes.io/managed-by"] == "incluster"
    assert config_maps(k8s_client, test_namespace.name)["settings"] == {"greeting": "hello"}


def test_a_kustomization_is_rendered_as_kubectl_apply_k_would(
    k8s_client: client.ApiClient, test_namespace: TestNamespace
) -> None:
    test_namespace.apply(FIXTURES / "kustomize" / "overlay")
    assert config_maps(k8s_client, test_namespace.name) == {
        "overlay-app-config": {"mode": "overlay"},
        "overlay-generated": {"source": "overlay"},
    }


def test_yaml_text_and_dicts_through_the_apply_fixture(
    apply: object, k8s_client: client.ApiClient, test_namespace: TestNamespace
) -> None:
    assert callable(apply)
    apply(
        [
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: from-text\ndata:\n  a: '1'\n",
            {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "from-dict"}, "data": {"b": "2"}},
        ]
    )
    assert config_maps(k8s_client, test_namespace.name) == {"from-text": {"a": "1"}, "from-dict": {"b": "2"}}


@pytest.mark.apply_manifests(str(FIXTURES / "plain" / "20-web.yaml"), timeout=120)
def test_the_marker_applies_before_the_test(
    k8s_client: client.ApiClient, test_namespace: TestNamespace
) -> None:
    with test_namespace.port_forward("web", service="web") as forward:
        body = urllib.request.urlopen(f"http://{forward.address}/", timeout=10).read()
    assert body == b"hello from web\n"


def test_a_workload_that_cannot_start_fails_the_apply_at_once(test_namespace: TestNamespace) -> None:
    broken = workload("Deployment", "broken", image="registry.invalid/incluster/missing:0.0")
    started = time.monotonic()
    with pytest.raises(WaitImpossible) as caught:
        test_namespace.apply([broken, http_service("broken")], timeout=120)
    assert time.monotonic() - started < 60
    assert caught.value.reason in ("ErrImagePull", "ImagePullBackOff")
    assert "container main is waiting" in str(caught.value)


def test_a_missing_path_is_named(test_namespace: TestNamespace) -> None:
    from pytest_incluster.manifests import ManifestError

    with pytest.raises(ManifestError, match=r"manifest path nowhere/app\.yaml does not exist"):
        test_namespace.apply("nowhere/app.yaml")
