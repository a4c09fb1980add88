"""Namespaces at every scope: shared within it, deleted when it ends."""

from __future__ import annotations

import re

import pytest
from kubernetes import client

from cluster_helpers import deleted_or_deleting

pytestmark = pytest.mark.requirement("001-FR-168")

INNER = """
import pytest
from kubernetes import client
from kubernetes.client.exceptions import ApiException

SEEN = {}

def gone_or_going(api, name):
    try:
        return client.CoreV1Api(api).read_namespace(name).status.phase == "Terminating"
    except ApiException as error:
        return error.status == 404

class TestShared:
    def test_first(self, class_namespace):
        SEEN["class"] = class_namespace.name
        print("CLASS=" + class_namespace.name)
        class_namespace.apply({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "seen"}, "data": {"by": "first"}})

    def test_second(self, class_namespace, k8s_client):
        print("CLASS=" + class_namespace.name)
        seen = client.CoreV1Api(k8s_client).read_namespaced_config_map("seen", class_namespace.name)
        assert seen.data == {"by": "first"}

def test_module_one(module_namespace, k8s_client):
    print("MODULE=" + module_namespace.name)
    assert gone_or_going(k8s_client, SEEN["class"]), "the class namespace outlived its class"

def test_module_two(module_namespace, session_namespace):
    print("MODULE=" + module_namespace.name)
    print("SESSION=" + session_namespace.name)

def test_factory(namespace_factory):
    first, second = namespace_factory("cache"), namespace_factory()
    print("FACTORY=" + first.name)
    print("FACTORY=" + second.name)
    assert first.name.startswith("cache-") and second.name.startswith("test-factory-")
    assert first.name != second.name
"""


def names(output: str, kind: str) -> list[str]:
    return re.findall(rf"{kind}=([a-z0-9-]+)", output)


def test_each_scope_shares_its_namespace_and_deletes_it_when_it_ends(
    pytester: pytest.Pytester, k8s_client: client.ApiClient
) -> None:
    pytester.makepyfile(test_inner=INNER)
    result = pytester.runpytest_subprocess("-s", "-p", "no:cacheprovider")
    output = result.stdout.str()
    assert result.ret == pytest.ExitCode.OK, output
    class_names, module_names = set(names(output, "CLASS")), set(names(output, "MODULE"))
    assert len(class_names) == 1
    assert len(module_names) == 1
    (session,) = names(output, "SESSION")
    factory = names(output, "FACTORY")
    assert len(factory) == 2
    assert all(
        deleted_or_deleting(k8s_client, name) for name in [*class_names, *module_names, session, *factory]
    )
