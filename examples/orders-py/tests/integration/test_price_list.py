"""Orders are priced from the price-list service, deployed into each test's own namespace."""

import json
import os
import urllib.request

import pytest

from orders import OrderStore

pytestmark = pytest.mark.requirement("001-FR-006")


@pytest.mark.apply_manifests("testing/k8s/price-list.yaml")
def test_an_order_is_priced_from_the_price_list(test_namespace, port_forward, store: OrderStore) -> None:
    # The price list runs in this test's namespace (applied and waited ready by the marker).
    forward = port_forward(80, service="price-list", namespace=test_namespace.name)
    with urllib.request.urlopen(f"http://{forward.address}/prices.json", timeout=10) as answer:
        prices = json.load(answer)
    order = store.place("ada", [("tea", prices["tea"], 2), ("cake", prices["cake"], 1)])
    assert store.get(order.id).total_cents == 2 * 350 + 420


def test_the_database_is_reached_by_its_service_name(incluster_service) -> None:
    postgres = incluster_service("postgres")
    if "KUBERNETES_SERVICE_HOST" in os.environ:
        assert (postgres.host, postgres.via) == (os.environ["POSTGRES_HOST"], "dns")
    else:
        assert postgres.via == "port-forward"
