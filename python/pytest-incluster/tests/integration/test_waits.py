"""The waits on the real cluster: Jobs, StatefulSets, DaemonSets and custom resources."""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from kubernetes import client

from cluster_helpers import job, workload
from pytest_incluster.conditions import (
    daemon_set_ready,
    job_complete,
    job_finished,
    resource_condition,
    resource_matches,
    stateful_set_ready,
)
from pytest_incluster.namespace import TestNamespace
from pytest_incluster.wait import WaitImpossible, wait_for

pytestmark = pytest.mark.requirement("001-FR-163")


def create(api: client.ApiClient, namespace: str, obj: dict[str, Any]) -> None:
    from pytest_incluster.apply import apply_objects
    from pytest_incluster.manifests import Manifest

    apply_objects(api, [Manifest(obj, "<test>", 1)], namespace)


def test_a_job_that_completes_and_one_that_fails_at_once(
    k8s_client: client.ApiClient, test_namespace: TestNamespace
) -> None:
    ns = test_namespace.name
    create(k8s_client, ns, job("works", "echo done"))
    create(k8s_client, ns, job("breaks", "exit 3"))
    done = wait_for(job_complete(k8s_client, ns, "works"), timeout=120)
    assert done["status"]["succeeded"] == 1
    started = time.monotonic()
    with pytest.raises(WaitImpossible) as caught:
        wait_for(job_complete(k8s_client, ns, "breaks"), timeout=120)
    assert caught.value.reason == "JobFailed"
    assert "Job " + ns + "/breaks: the Job failed (BackoffLimitExceeded" in str(caught.value)
    assert time.monotonic() - started < 60
    succeeded, _ = wait_for(job_finished(k8s_client, ns, "breaks"), timeout=30)
    assert succeeded is False


def test_stateful_set_and_daemon_set_rollouts(
    k8s_client: client.ApiClient, test_namespace: TestNamespace
) -> None:
    ns = test_namespace.name
    create(k8s_client, ns, workload("StatefulSet", "db", replicas=2))
    create(k8s_client, ns, workload("DaemonSet", "agent"))
    stateful = wait_for(stateful_set_ready(k8s_client, ns, "db"), timeout=120)
    assert stateful["status"]["readyReplicas"] == 2
    daemons = wait_for(daemon_set_ready(k8s_client, ns, "agent"), timeout=120)
    assert daemons["status"]["numberReady"] == daemons["status"]["desiredNumberScheduled"] >= 1


@pytest.fixture
def widgets(k8s_client: client.ApiClient) -> Iterator[str]:
    """A CustomResourceDefinition of its own (a unique group), removed after the test."""
    group = f"t{secrets.token_hex(4)}.incluster.test"
    crd = {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": f"widgets.{group}"},
        "spec": {
            "group": group,
            "scope": "Namespaced",
            "names": {"plural": "widgets", "singular": "widget", "kind": "Widget"},
            "versions": [
                {
                    "name": "v1",
                    "served": True,
                    "storage": True,
                    "schema": {
                        "openAPIV3Schema": {"type": "object", "x-kubernetes-preserve-unknown-fields": True}
                    },
                    "subresources": {"status": {}},
                }
            ],
        },
    }
    extensions = client.ApiextensionsV1Api(k8s_client)
    extensions.create_custom_resource_definition(crd)
    try:
        wait_for(
            resource_condition(
                k8s_client,
                "apiextensions.k8s.io/v1",
                "customresourcedefinitions",
                None,
                f"widgets.{group}",
                "Established",
            ),
            timeout=60,
        )
        yield group
    finally:
        extensions.delete_custom_resource_definition(f"widgets.{group}")


def test_a_custom_resource_by_group_version_plural_with_a_condition_on_its_dict(
    k8s_client: client.ApiClient, test_namespace: TestNamespace, widgets: str
) -> None:
    ns, custom = test_namespace.name, client.CustomObjectsApi(k8s_client)
    body = {"apiVersion": f"{widgets}/v1", "kind": "Widget", "metadata": {"name": "w1"}, "spec": {"size": 3}}
    custom.create_namespaced_custom_object(widgets, "v1", ns, "widgets", body)
    status = {"status": {"phase": "Ready", "conditions": [{"type": "Synced", "status": "True"}]}}
    custom.patch_namespaced_custom_object_status(widgets, "v1", ns, "widgets", "w1", status)
    ready = wait_for(
        resource_matches(
            k8s_client,
            f"{widgets}/v1",
            "widgets",
            ns,
            "w1",
            lambda w: w.get("status", {}).get("phase") == "Ready",
        ),
        timeout=30,
    )
    assert ready["spec"] == {"size": 3}
    assert wait_for(
        resource_condition(k8s_client, f"{widgets}/v1", "widgets", ns, "w1", "Synced"), timeout=30
    )
    # Deleted while waited for: the wait fails at once instead of running out of time.
    threading.Timer(1.0, custom.delete_namespaced_custom_object, (widgets, "v1", ns, "widgets", "w1")).start()
    with pytest.raises(WaitImpossible, match=r"widgets .*/w1 was deleted"):
        wait_for(resource_condition(k8s_client, f"{widgets}/v1", "widgets", ns, "w1", "Never"), timeout=60)
