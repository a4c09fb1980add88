"""Services from incluster.config.yaml, where they answer in a pod, and manifests as teams keep them."""

from __future__ import annotations

from pathlib import Path

import pytest

from pytest_incluster.config_file import ConfigFileError, read_config
from pytest_incluster.manifests import ManifestError, load_manifests, pull_risks
from pytest_incluster.services import UnknownService, address_in_pod, find_service, service_contracts


@pytest.mark.requirement("001-FR-166")
def test_the_config_lists_built_in_then_declared_services(tmp_path: Path) -> None:
    config = tmp_path / "incluster.config.yaml"
    config.write_text(
        "namespace: shop\nredis: {enabled: true, port: 6380}\n"
        "services:\n  declared:\n    - {name: search-api, service: opensearch, port: 9200}\n"
    )
    contracts = service_contracts(read_config(config), "shop")
    assert [(c.name, c.service, c.port, c.readiness) for c in contracts] == [
        ("postgres", "postgres", 5432, "postgres"),
        ("redis", "redis", 6380, "redis"),
        ("search-api", "opensearch", 9200, "tcp"),
    ]
    search = find_service(contracts, "search-api")
    assert search.prefix == "SEARCH_API"
    assert address_in_pod(search, {}) == ("opensearch.shop.svc.cluster.local", 9200)
    assert address_in_pod(search, {"SEARCH_API_HOST": "10.0.0.7", "SEARCH_API_PORT": "9300"}) == (
        "10.0.0.7",
        9300,
    )
    with pytest.raises(
        UnknownService,
        match=r"no service named `cache` in the config \(there are: postgres, redis, search-api\)",
    ):
        find_service(contracts, "cache")


@pytest.mark.requirement("001-FR-166")
def test_a_field_of_the_wrong_type_is_named(tmp_path: Path) -> None:
    config = tmp_path / "incluster.config.yaml"
    config.write_text("postgres: {port: five}\n")
    with pytest.raises(ConfigFileError, match=r"postgres\.port must be a int, got 'five'"):
        read_config(config)


@pytest.mark.requirement("001-FR-162")
def test_manifests_from_text_dicts_and_directories_with_their_origin(tmp_path: Path) -> None:
    (tmp_path / "k8s" / "nested").mkdir(parents=True)
    (tmp_path / "k8s" / "a.yaml").write_text(
        "apiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: ConfigMap, metadata: {name: x}}\n"
    )
    (tmp_path / "k8s" / "nested" / "b.yml").write_text(
        "---\n---\napiVersion: v1\nkind: Secret\nmetadata: {name: y}\n"
    )
    (tmp_path / "k8s" / ".hidden.yaml").write_text("not: read")
    loaded = load_manifests(
        ["k8s", {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "z"}}], tmp_path
    )
    assert [(m.obj["metadata"]["name"], Path(m.file).name, m.document) for m in loaded] == [
        ("x", "a.yaml", 1),
        ("y", "b.yml", 2),
        ("z", "<dict>", 1),
    ]
    with pytest.raises(ManifestError, match=r"<yaml> \(document 1\): Deployment has no metadata.name"):
        load_manifests("apiVersion: apps/v1\nkind: Deployment\n", tmp_path)


@pytest.mark.requirement("001-FR-162")
def test_images_that_would_be_pulled_are_named() -> None:
    deployment = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web"},
        "spec": {"template": {"spec": {"containers": [{"name": "app", "image": "nginx"}]}}},
    }
    manifests = load_manifests([deployment], Path())
    assert pull_risks(manifests) == [
        '<dict> (document 1): Deployment/web container app image "nginx" has no tag (means :latest); it would pull from a registry',
        '<dict> (document 1): Deployment/web container app image "nginx" has no explicit imagePullPolicy; it would pull from a registry',
    ]
