"""Where the Kubernetes client comes from: the service account inside a pod, a kubeconfig outside."""

from __future__ import annotations

import base64
import contextlib
import json
import os
from collections.abc import Mapping
from pathlib import Path

from kubernetes import client, config
from kubernetes.client.exceptions import ApiException

from .redaction import redactor

SERVICE_ACCOUNT_TOKEN = Path("/var/run/secrets/kubernetes.io/serviceaccount/token")


class InfrastructureError(RuntimeError):
    """The cluster could not do what a fixture needed; says what it was doing first."""


def running_in_pod(env: Mapping[str, str] = os.environ) -> bool:
    """True inside a Kubernetes pod (its service's variables and an account token are there)."""
    return bool(env.get("KUBERNETES_SERVICE_HOST")) and SERVICE_ACCOUNT_TOKEN.is_file()


def load_api_client(kubeconfig: str | None = None, context: str | None = None) -> client.ApiClient:
    """An API client: from ``kubeconfig``/``KUBECONFIG``/``~/.kube/config``, or the pod's service account."""
    if kubeconfig is None and not os.environ.get("KUBECONFIG") and running_in_pod():
        configuration = client.Configuration()
        config.load_incluster_config(client_configuration=configuration)
        return client.ApiClient(configuration)
    configuration = client.Configuration()
    try:
        config.load_kube_config(config_file=kubeconfig, context=context, client_configuration=configuration)
    except (config.ConfigException, OSError) as error:
        raise InfrastructureError(f"loading Kubernetes credentials: {error}") from error
    return client.ApiClient(configuration)


def describe_api_error(error: BaseException) -> str:
    """A short, redacted account of an API error: status, reason and the server's message."""
    if isinstance(error, ApiException):
        message = error.reason or ""
        body: object = error.body
        if isinstance(body, bytes):
            body = body.decode(errors="replace")
        if isinstance(body, str) and '"message"' in body:
            with contextlib.suppress(ValueError):
                message = json.loads(body).get("message", message)
        return redactor.redact(f"{error.status} {message}".strip())
    return redactor.redact(f"{type(error).__name__}: {error}")


def read_secret(api: client.ApiClient, namespace: str, name: str) -> dict[str, str]:
    """A Secret's decoded values; every value is taught to the redactor before it is returned."""
    try:
        secret = client.CoreV1Api(api).read_namespaced_secret(name, namespace)
    except ApiException as error:
        raise InfrastructureError(
            f"reading Secret {namespace}/{name}: {describe_api_error(error)}"
        ) from error
    redactor.learn_secret(secret)
    return {key: base64.b64decode(value).decode() for key, value in (secret.data or {}).items()}
