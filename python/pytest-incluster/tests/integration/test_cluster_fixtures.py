"""The fixtures against the real cluster: namespaces, waits, failure bundles."""

from __future__ import annotations

import json
import re
import time

import pytest
from kubernetes import client

from cluster_helpers import pod_manifest
from pytest_incluster.conditions import namespace_deleted, pod_ready
from pytest_incluster.namespace import TestNamespace
from pytest_incluster.ownership import (
    EXPIRES_AT_ANNOTATION,
    MANAGED_BY_LABEL,
    RUN_ID_LABEL,
    TEST_ID_LABEL,
    TEST_NAME_ANNOTATION,
)
from pytest_incluster.wait import WaitImpossible, WaitTimeout, wait_for


@pytest.mark.requirement("001-FR-094")
def test_the_namespace_is_labelled_as_incluster_sweep_expects(
    k8s_client: client.ApiClient, test_namespace: TestNamespace
) -> None:
    live = client.CoreV1Api(k8s_client).read_namespace(test_namespace.name)
    labels, annotations = live.metadata.labels, live.metadata.annotations
    assert labels[MANAGED_BY_LABEL] == "incluster"
    assert labels[RUN_ID_LABEL] == test_namespace.run_id
    assert labels[TEST_ID_LABEL] == test_namespace.test_id
    assert annotations[TEST_NAME_ANNOTATION].endswith(
        "::test_the_namespace_is_labelled_as_incluster_sweep_expects"
    )
    expires = annotations[EXPIRES_AT_ANNOTATION]
    assert expires.endswith("Z")
    assert time.strptime(expires[:19], "%Y-%m-%dT%H:%M:%S")
    assert test_namespace.name.startswith("test-the-namespace-is-labelled")


@pytest.mark.requirement("001-FR-095")
def test_a_pod_becomes_ready_as_watched(k8s_client: client.ApiClient, test_namespace: TestNamespace) -> None:
    core = client.CoreV1Api(k8s_client)
    core.create_namespaced_pod(test_namespace.name, pod_manifest("web"))
    pod = wait_for(pod_ready(k8s_client, test_namespace.name, "web"), timeout=90)
    assert pod["status"]["phase"] == "Running"


@pytest.mark.requirement("001-FR-095")
def test_an_image_that_cannot_be_pulled_fails_the_wait_at_once(
    k8s_client: client.ApiClient, test_namespace: TestNamespace
) -> None:
    core = client.CoreV1Api(k8s_client)
    core.create_namespaced_pod(
        test_namespace.name, pod_manifest("nope", image="registry.invalid/incluster/missing:0.0")
    )
    started = time.monotonic()
    with pytest.raises(
        WaitImpossible, match=r"Pod .*/nope container main is waiting \((ErrImagePull|ImagePullBackOff)"
    ):
        wait_for(pod_ready(k8s_client, test_namespace.name, "nope"), timeout=90)
    assert time.monotonic() - started < 60


@pytest.mark.requirement("001-FR-095")
def test_a_timeout_names_what_it_last_saw(
    k8s_client: client.ApiClient, test_namespace: TestNamespace
) -> None:
    core = client.CoreV1Api(k8s_client)
    core.create_namespaced_pod(test_namespace.name, pod_manifest("slow", command=["sleep", "3600"]))
    with pytest.raises(WaitTimeout) as caught:
        wait_for(pod_ready(k8s_client, test_namespace.name, "slow"), timeout=3)
    message = str(caught.value)
    assert re.match(
        rf"timed out after 3\.\ds waiting for Pod {test_namespace.name}/slow to be Ready\n", message
    )
    assert (
        f"last observed state:\n    Pod {test_namespace.name}/slow: phase " in message
    )  # Pending or Running


INNER = """
import pytest
from kubernetes import client

POD = {pod!r}

@pytest.mark.requirement("001-FR-001")
def test_breaks(k8s_client, test_namespace):
    core = client.CoreV1Api(k8s_client)
    core.create_namespaced_pod(test_namespace.name, POD)
    from pytest_incluster.conditions import pod_ready
    from pytest_incluster.wait import wait_for
    wait_for(pod_ready(k8s_client, test_namespace.name, "web"), timeout=90)
    print("NAMESPACE=" + test_namespace.name)
    assert False, "broken on purpose"

def test_fine(test_namespace):
    print("NAMESPACE=" + test_namespace.name)
"""


def namespaces_of(output: str) -> list[str]:
    return re.findall(r"NAMESPACE=([a-z0-9-]+)", output)


@pytest.mark.requirement("001-FR-094")
@pytest.mark.requirement("001-FR-097")
@pytest.mark.requirement("001-FR-092")
def test_a_failed_test_leaves_a_bundle_and_its_namespace_goes(
    pytester: pytest.Pytester, k8s_client: client.ApiClient
) -> None:
    pytester.makepyfile(test_inner=INNER.format(pod=pod_manifest("web")))
    artifacts = pytester.path / "artifacts"
    junit = pytester.path / "junit.xml"
    result = pytester.runpytest_subprocess(
        "-s", "-o", f"incluster_artifacts={artifacts}", f"--junitxml={junit}", "-p", "no:cacheprovider"
    )
    assert result.ret == pytest.ExitCode.TESTS_FAILED, result.stdout.str()
    broken, fine = namespaces_of(result.stdout.str())
    bundles = list(artifacts.glob("*/test-inner-py-test-breaks-*"))
    assert len(bundles) == 1, list(artifacts.rglob("*"))
    bundle = bundles[0]
    assert {"events.txt", "pods.txt", "pods.json", "test.txt"} <= {p.name for p in bundle.iterdir()}
    assert (bundle / "logs" / "web" / "main.log").read_text().strip() == "started"
    pods = (bundle / "pods.txt").read_text()
    assert f"Pod {broken}/web: phase Running" in pods
    assert "container main: running, restarts 0" in pods
    assert "broken on purpose" in (bundle / "test.txt").read_text()
    assert json.loads((bundle / "pods.json").read_text())[0]["name"] == "web"
    assert f'name="failureBundle" value="{bundle}"' in junit.read_text()
    # One line on the console points to it (001-FR-171).
    result.stdout.fnmatch_lines([f"incluster: failure bundle of test_inner.py::test_breaks: {bundle}"])
    for name in (broken, fine):  # deleted for a failed test as for a passing one
        wait_for(namespace_deleted(k8s_client, name), timeout=120)


@pytest.mark.requirement("001-FR-094")
def test_a_failed_tests_namespace_is_kept_when_asked(
    pytester: pytest.Pytester, k8s_client: client.ApiClient
) -> None:
    pytester.makepyfile(
        test_inner="def test_breaks(test_namespace):\n    print('NAMESPACE=' + test_namespace.name)\n    assert False\n"
    )
    result = pytester.runpytest_subprocess(
        "-s",
        "--incluster-keep-on-failure",
        "-p",
        "no:cacheprovider",
        "-o",
        f"incluster_artifacts={pytester.path / 'artifacts'}",
    )
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    (kept,) = namespaces_of(result.stdout.str())
    core = client.CoreV1Api(k8s_client)
    try:
        assert core.read_namespace(kept).status.phase == "Active"
        result.stderr.fnmatch_lines(
            [f"incluster: kept namespace {kept} of failed test *`incluster sweep` removes it)"]
        )
    finally:
        core.delete_namespace(kept)


@pytest.mark.requirement("001-FR-094")
def test_sigterm_still_deletes_the_namespace(pytester: pytest.Pytester, k8s_client: client.ApiClient) -> None:
    pytester.makepyfile(
        test_inner="import os, signal, sys\n"
        "def test_killed(test_namespace):\n"
        "    print('NAMESPACE=' + test_namespace.name, flush=True)\n"
        "    os.kill(os.getpid(), signal.SIGTERM)\n"
    )
    result = pytester.runpytest_subprocess("-s", "-p", "no:cacheprovider")
    assert result.ret != pytest.ExitCode.OK
    (name,) = namespaces_of(result.stdout.str())
    wait_for(namespace_deleted(k8s_client, name), timeout=120)


@pytest.mark.requirement("001-FR-171")
def test_the_header_names_the_cluster_and_kube_context_chooses_it(pytester: pytest.Pytester) -> None:
    from kubernetes import config

    _, current = config.list_kube_config_contexts()
    cluster = current["context"]["cluster"]
    pytester.makepyfile("def test_reaches(k8s_client):\n    assert k8s_client.configuration.host\n")
    chosen = pytester.runpytest_subprocess("-p", "no:cacheprovider", f"--kube-context={current['name']}")
    assert chosen.ret == pytest.ExitCode.OK
    chosen.stdout.fnmatch_lines(
        [
            f"incluster: cluster {cluster} (context {current['name']}, kubeconfig *), services in namespace floe-test"
        ]
    )
    missing = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--kube-context=no-such-context")
    assert missing.ret == pytest.ExitCode.TESTS_FAILED
    missing.stdout.fnmatch_lines(
        [
            "incluster: context no-such-context is not in the kubeconfig, services in namespace floe-test",
            "*InfrastructureError: loading Kubernetes credentials: *no-such-context*",
        ]
    )
