"""The cluster fixtures: ``k8s_client``, ``test_namespace``, ``postgres_target``, ``postgres_connection``.

``test_namespace`` gives each test a fresh, labelled, expiring namespace. Its cleanup runs whatever
the test did; after a failure it first writes a failure bundle (linked from the JUnit test case as
the ``failureBundle`` property) and, when asked, keeps the namespace for inspection.
"""

from __future__ import annotations

import hashlib
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from kubernetes import client

from .conditions import service_has_endpoints
from .failure_bundle import write_failure_bundle
from .kube import InfrastructureError, describe_api_error, load_api_client, read_secret, running_in_pod
from .namespace import (
    RUN_ID,
    TestNamespace,
    create_test_namespace,
    delete_all_created,
    delete_test_namespace,
    keep_test_namespace,
)
from .port_forward import PortForward, service_backend
from .postgres import PostgresTarget, connect_postgres, target_from_env
from .settings import Settings, resolve_settings
from .wait import wait_for

REPORTS_KEY = pytest.StashKey[dict[str, pytest.TestReport]]()
"""Each phase's report of a test, by ``when``: how a fixture's teardown knows the test failed."""
FAILURE_BUNDLE_PROPERTY = "failureBundle"


@pytest.fixture(scope="session")
def incluster_settings(pytestconfig: pytest.Config) -> Settings:
    """The plugin's settings (ini values, options, the runner's environment)."""
    return resolve_settings(pytestconfig)


@pytest.fixture(scope="session")
def k8s_client() -> Iterator[client.ApiClient]:
    """One API client for the session, checked to reach the cluster."""
    api = load_api_client()
    try:
        client.VersionApi(api).get_code(_request_timeout=15)
    except Exception as error:
        host = api.configuration.host
        raise InfrastructureError(
            f"the cluster at {host} does not answer: {describe_api_error(error)}"
        ) from error
    yield api
    delete_all_created()  # any namespace a test's teardown could not delete
    api.close()


def test_failed(node: pytest.Item) -> bool:
    """True when the test's setup or call phase failed so far."""
    return any(report.failed for report in node.stash.get(REPORTS_KEY, {}).values())


test_failed.__test__ = False  # type: ignore[attr-defined]


def bundle_dir_for(settings: Settings, nodeid: str) -> Path:
    """``<artifacts>/<run>/<test-slug>-<hash>``: unique per test, readable, short enough for any disk."""
    slug = re.sub(r"[^a-z0-9]+", "-", nodeid.lower()).strip("-")[:80]
    digest = hashlib.sha256(nodeid.encode()).hexdigest()[:8]
    return settings.artifacts / RUN_ID / f"{slug}-{digest}"


@pytest.fixture
def test_namespace(
    request: pytest.FixtureRequest, k8s_client: client.ApiClient, incluster_settings: Settings
) -> Iterator[TestNamespace]:
    """A namespace for this test alone, deleted afterwards without waiting (kept on failure when asked)."""
    node = request.node
    namespace = create_test_namespace(
        k8s_client,
        node.name,
        test_id=hashlib.sha256(node.nodeid.encode()).hexdigest()[:16],
        ttl_seconds=incluster_settings.namespace_ttl,
        full_name=node.nodeid,
    )
    try:
        yield namespace
    finally:
        _after_test(node, k8s_client, incluster_settings, namespace)


def _after_test(node: Any, api: client.ApiClient, settings: Settings, namespace: TestNamespace) -> None:
    if not test_failed(node):
        delete_test_namespace(api, namespace.name)
        return
    try:
        reports = node.stash.get(REPORTS_KEY, {})
        failure = "\n\n".join(str(r.longrepr) for r in reports.values() if r.failed)
        bundle = write_failure_bundle(
            api,
            namespace.name,
            bundle_dir_for(settings, node.nodeid),
            extra={"test.txt": f"{node.nodeid}\nnamespace: {namespace.name}\n\n{failure}\n"},
        )
        node.user_properties.append((FAILURE_BUNDLE_PROPERTY, str(bundle.directory)))
    except Exception as error:
        sys.stderr.write(f"incluster: writing the failure bundle for {node.nodeid} failed: {error}\n")
    if settings.keep_on_failure:
        keep_test_namespace(namespace.name)
        sys.stderr.write(
            f"incluster: kept namespace {namespace.name} of failed test {node.nodeid} "
            f"(expires {namespace.expires_at.isoformat()}; `incluster sweep` removes it)\n"
        )
    else:
        delete_test_namespace(api, namespace.name)


@pytest.fixture(scope="session")
def postgres_target(request: pytest.FixtureRequest, incluster_settings: Settings) -> Iterator[PostgresTarget]:
    """Where PostgreSQL answers: the runner's variables or cluster DNS in a pod, a port-forward outside."""
    settings = incluster_settings
    if running_in_pod():
        from_env = target_from_env()
        if from_env is not None:
            yield from_env
            return
        api = request.getfixturevalue("k8s_client")
        credentials = read_secret(api, settings.namespace, settings.postgres_secret)
        yield PostgresTarget(
            host=f"{settings.postgres_service}.{settings.namespace}.svc.cluster.local",
            port=settings.postgres_port,
            user=credentials.get("username"),
            password=credentials.get("password"),
            dbname=credentials.get("database"),
            via="dns",
        )
        return
    api = request.getfixturevalue("k8s_client")
    credentials = read_secret(api, settings.namespace, settings.postgres_secret)
    wait_for(
        service_has_endpoints(api, settings.namespace, settings.postgres_service),
        timeout=settings.wait_timeout,
    )
    pod, port = service_backend(api, settings.namespace, settings.postgres_service, settings.postgres_port)
    with PortForward(api, settings.namespace, pod, port) as forward:
        yield PostgresTarget(
            host=forward.host,
            port=forward.local_port,
            user=credentials.get("username"),
            password=credentials.get("password"),
            dbname=credentials.get("database"),
            via="port-forward",
        )


@pytest.fixture
def postgres_connection(
    postgres_target: PostgresTarget, incluster_settings: Settings
) -> Iterator[psycopg.Connection[Any]]:
    """A psycopg 3 connection that has answered ``SELECT 1``; closed after the test."""
    connection = connect_postgres(postgres_target, timeout=incluster_settings.wait_timeout)
    try:
        yield connection
    finally:
        connection.close()
