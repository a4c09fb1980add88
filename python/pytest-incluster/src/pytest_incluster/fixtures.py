"""The cluster fixtures: the client, namespaces at every scope, deploying into them, services.

``test_namespace`` gives each test a fresh, labelled, expiring namespace; ``namespace_factory`` and
its class, module and session variants make as many as a scope wants, deleted when the scope ends,
so what is deployed into them is shared within it. ``apply``, ``helm_release`` and ``port_forward``
work in the test's namespace; ``incluster_service`` reaches any service of the config. A failed
test's namespace leaves a failure bundle (linked from the JUnit test case as ``failureBundle``) and,
when asked, is kept for inspection.
"""

from __future__ import annotations

import hashlib
import re
import sys
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
from kubernetes import client

from .endpoint import ServiceEndpoint, Via, connect_service
from .failure_bundle import write_failure_bundle
from .helm import HelmRelease
from .kube import InfrastructureError, describe_api_error, load_api_client
from .namespace import (
    RUN_ID,
    TestNamespace,
    Workspace,
    create_test_namespace,
    delete_all_created,
    delete_test_namespace,
    keep_test_namespace,
)
from .port_forward import PortForward, port_forward_to
from .services import ServiceContract, find_service
from .settings import Settings, resolve_settings

REPORTS_KEY = pytest.StashKey[dict[str, pytest.TestReport]]()
"""Each phase's report of a test, by ``when``: how a fixture's teardown knows the test failed."""
FAILURE_BUNDLE_PROPERTY = "failureBundle"
BUNDLE_KEY = pytest.StashKey[Path]()
"""Where a failed test's bundle went, for the one-line pointer on the console."""


@pytest.fixture(scope="session")
def incluster_settings(pytestconfig: pytest.Config) -> Settings:
    """The plugin's settings: ini values, options, incluster.config.yaml and the runner's variables."""
    return resolve_settings(pytestconfig)


@pytest.fixture(scope="session")
def k8s_client(incluster_settings: Settings) -> Iterator[client.ApiClient]:
    """One API client for the session (context: ``--kube-context``), checked to reach the cluster."""
    api = load_api_client(context=incluster_settings.context)
    try:
        client.VersionApi(api).get_code(_request_timeout=15)
    except Exception as error:
        host = api.configuration.host
        raise InfrastructureError(
            f"the cluster at {host} does not answer: {describe_api_error(error)}"
        ) from error
    yield api
    delete_all_created()  # any namespace a scope's teardown could not delete
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


class NamespaceFactory:
    """Makes namespaces that live until its scope ends: ``namespace_factory("cache")``."""

    def __init__(self, api: client.ApiClient, settings: Settings, owner: str, scope: str) -> None:
        self.api, self.settings, self.owner, self.scope = api, settings, owner, scope
        self.created: list[TestNamespace] = []

    def __call__(self, name: str | None = None) -> TestNamespace:
        """A new namespace named after ``name`` (default: the scope's test, class or module)."""
        hint = name or self.owner.rsplit("::", 1)[-1].rsplit("/", 1)[-1].removesuffix(".py")
        namespace = create_test_namespace(
            self.api,
            hint,
            test_id=hashlib.sha256(f"{self.owner}#{len(self.created)}".encode()).hexdigest()[:16],
            ttl_seconds=self.settings.namespace_ttl,
            full_name=f"{self.owner} ({self.scope})",
            workspace=Workspace(self.api, self.settings.root, self.settings.wait_timeout),
        )
        self.created.append(namespace)
        return namespace

    def close(self) -> None:
        """Deletes every namespace made (without waiting for them to go)."""
        for namespace in self.created:
            delete_test_namespace(self.api, namespace.name)
        self.created.clear()


def _factory(request: pytest.FixtureRequest, scope: str) -> Iterator[NamespaceFactory]:
    settings: Settings = request.getfixturevalue("incluster_settings")
    factory = NamespaceFactory(request.getfixturevalue("k8s_client"), settings, request.node.nodeid, scope)
    try:
        yield factory
    finally:
        factory.close()


@pytest.fixture
def namespace_factory(request: pytest.FixtureRequest) -> Iterator[NamespaceFactory]:
    """Makes namespaces for this test: ``namespace_factory("cache")``; deleted after the test."""
    yield from _factory(request, "function")


@pytest.fixture(scope="class")
def class_namespace_factory(request: pytest.FixtureRequest) -> Iterator[NamespaceFactory]:
    """Makes namespaces shared by a test class; deleted after its last test."""
    yield from _factory(request, "class")


@pytest.fixture(scope="module")
def module_namespace_factory(request: pytest.FixtureRequest) -> Iterator[NamespaceFactory]:
    """Makes namespaces shared by a test module; deleted after its last test."""
    yield from _factory(request, "module")


@pytest.fixture(scope="session")
def session_namespace_factory(request: pytest.FixtureRequest) -> Iterator[NamespaceFactory]:
    """Makes namespaces shared by the whole session (one per xdist worker); deleted at its end."""
    yield from _factory(request, "session")


@pytest.fixture(scope="class")
def class_namespace(class_namespace_factory: NamespaceFactory) -> TestNamespace:
    """One namespace for a test class: what a test applies into it, the next test sees."""
    return class_namespace_factory()


@pytest.fixture(scope="module")
def module_namespace(module_namespace_factory: NamespaceFactory) -> TestNamespace:
    """One namespace for a test module, deleted after its last test."""
    return module_namespace_factory()


@pytest.fixture(scope="session")
def session_namespace(session_namespace_factory: NamespaceFactory) -> TestNamespace:
    """One namespace for the session (per xdist worker), deleted at its end."""
    return session_namespace_factory("session")


@pytest.fixture
def test_namespace(
    request: pytest.FixtureRequest, k8s_client: client.ApiClient, incluster_settings: Settings
) -> Iterator[TestNamespace]:
    """A namespace for this test alone; deleted afterwards without waiting (kept on failure when asked).

    ``test_namespace.apply(...)``, ``.install_chart(...)`` and ``.port_forward(...)`` deploy into it
    and reach it; after a failure, its events, pod states and logs go to a failure bundle.
    """
    node = request.node
    namespace = create_test_namespace(
        k8s_client,
        node.name,
        test_id=hashlib.sha256(node.nodeid.encode()).hexdigest()[:16],
        ttl_seconds=incluster_settings.namespace_ttl,
        full_name=node.nodeid,
        workspace=Workspace(k8s_client, incluster_settings.root, incluster_settings.wait_timeout),
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
        node.stash[BUNDLE_KEY] = bundle.directory
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


@pytest.fixture
def apply(test_namespace: TestNamespace) -> Callable[..., list[dict[str, Any]]]:
    """Applies manifests into the test's namespace and waits until every workload there is ready.

    Takes a file, a directory (a kustomization is rendered with ``kubectl kustomize``), YAML text, a
    dict, or a list of those; relative paths start at the project root::

        apply("testing/k8s/app.yaml", timeout=120)
    """
    return test_namespace.apply


@pytest.fixture(autouse=True)
def _incluster_apply_manifests(request: pytest.FixtureRequest) -> None:
    """``@pytest.mark.apply_manifests(*paths, timeout=s)``: applied into the test's namespace first."""
    markers = list(request.node.iter_markers("apply_manifests"))
    if not markers:
        return
    namespace: TestNamespace = request.getfixturevalue("test_namespace")
    for marker in reversed(markers):  # the module's and class's before the test's own
        unexpected = set(marker.kwargs) - {"timeout"}
        if unexpected or not marker.args:
            raise pytest.UsageError(
                f"{request.node.nodeid}: apply_manifests takes paths (or YAML or dicts) and timeout=, "
                f"got {marker.args!r} {marker.kwargs!r}"
            )
        namespace.apply(list(marker.args), timeout=marker.kwargs.get("timeout"))


@pytest.fixture
def helm_release(test_namespace: TestNamespace) -> Callable[..., HelmRelease]:
    """Installs a Helm chart into the test's namespace and waits until it is ready::

    helm_release("deploy/charts/api", values=["deploy/values/ci.yaml"], set_values={"image.tag": "test"})
    """
    return test_namespace.install_chart


@pytest.fixture
def port_forward(
    k8s_client: client.ApiClient, incluster_settings: Settings
) -> Iterator[Callable[..., PortForward]]:
    """Forwards local ports to Services or pods; every forward is closed after the test::

        forward = port_forward(80, service="web", namespace=test_namespace.name)
        urllib.request.urlopen(f"http://{forward.address}/")

    The namespace defaults to the services' namespace.
    """
    with ExitStack() as stack:

        def open_forward(
            port: int | str,
            *,
            service: str | None = None,
            pod: str | None = None,
            namespace: str | None = None,
        ) -> PortForward:
            where = namespace or incluster_settings.namespace
            return stack.enter_context(port_forward_to(k8s_client, where, port, service=service, pod=pod))

        yield open_forward


def _api_if_outside(request: pytest.FixtureRequest, via: Via | None) -> client.ApiClient | None:
    """The API client when a port-forward will be needed; inside a pod the variables suffice."""
    from .kube import running_in_pod  # noqa: PLC0415

    if via == "dns" or (via is None and running_in_pod()):
        return None
    api: client.ApiClient = request.getfixturevalue("k8s_client")
    return api


def service_contract(settings: Settings, name: str) -> ServiceContract:
    """The service named ``name`` in the config; an unknown one is an error listing the names."""
    try:
        return find_service(list(settings.services), name)
    except LookupError as error:
        raise pytest.UsageError(str(error)) from None


@pytest.fixture
def incluster_service(
    request: pytest.FixtureRequest, incluster_settings: Settings
) -> Iterator[Callable[..., ServiceEndpoint]]:
    """Reaches a service of the config by name (``postgres``, ``redis`` or a declared one), ready::

        search = incluster_service("search")   # ServiceEndpoint: host, port, via, address

    Inside the runner pod: the runner's ``<NAME>_HOST``/``<NAME>_PORT`` (cluster DNS); outside: a
    port-forward, closed after the test.
    """
    with ExitStack() as stack:

        def reach(name: str, *, via: Via | None = None, port: int | None = None) -> ServiceEndpoint:
            contract = service_contract(incluster_settings, name)
            api = _api_if_outside(request, via)
            endpoint = connect_service(
                api, contract, via=via, port=port, timeout=incluster_settings.wait_timeout
            )
            return stack.enter_context(endpoint)

        yield reach
