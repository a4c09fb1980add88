"""Helpers of the cluster tests: objects that pass the restricted Pod Security Standard, from images
the cluster already has (busybox), never pulling."""

from __future__ import annotations

from typing import Any

BUSYBOX = "docker.io/library/busybox:1.35"
SERVE = "touch $HOME/ready && mkdir -p /tmp/www && echo hello from $HOSTNAME > /tmp/www/index.html && exec httpd -f -p 8080 -h /tmp/www"


def container(command: list[str] | str, image: str = BUSYBOX, **more: Any) -> dict[str, Any]:
    """A container that runs ``command`` (a shell line or an argument list) as a non-root user."""
    return {
        "name": "main",
        "image": image,
        "imagePullPolicy": "IfNotPresent",
        "env": [{"name": "HOME", "value": "/tmp"}],
        "command": ["sh", "-c", command] if isinstance(command, str) else command,
        "securityContext": {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}},
        "resources": {"requests": {"cpu": "10m", "memory": "16Mi"}, "limits": {"memory": "32Mi"}},
        **more,
    }


def pod_spec(main: dict[str, Any], restart: str = "Always") -> dict[str, Any]:
    return {
        "automountServiceAccountToken": False,
        "terminationGracePeriodSeconds": 0,
        "restartPolicy": restart,
        "securityContext": {
            "runAsNonRoot": True,
            "runAsUser": 1000,
            "seccompProfile": {"type": "RuntimeDefault"},
        },
        "containers": [main],
    }


READY_PROBE = {"exec": {"command": ["sh", "-c", "cat $HOME/ready"]}, "periodSeconds": 1}
STARTED = "echo started; touch $HOME/ready; exec sleep 3600"


def pod_manifest(name: str, image: str = BUSYBOX, command: list[str] | None = None) -> dict[str, Any]:
    """A pod that becomes Ready once started."""
    main = container(command or STARTED, image, readinessProbe=READY_PROBE)
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name}, "spec": pod_spec(main)}


def workload(
    kind: str, name: str, command: str = STARTED, image: str = BUSYBOX, **spec: Any
) -> dict[str, Any]:
    """A Deployment, StatefulSet or DaemonSet of busybox pods labelled ``app: <name>``."""
    labels = {"app": name}
    main = container(
        command, image, readinessProbe=READY_PROBE, ports=[{"name": "http", "containerPort": 8080}]
    )
    body: dict[str, Any] = {
        "selector": {"matchLabels": labels},
        "template": {"metadata": {"labels": labels}, "spec": pod_spec(main)},
        **spec,
    }
    if kind == "StatefulSet":
        body.setdefault("serviceName", name)
    return {"apiVersion": "apps/v1", "kind": kind, "metadata": {"name": name}, "spec": body}


def job(name: str, command: str) -> dict[str, Any]:
    """A Job of one busybox pod that is not retried."""
    spec = {"backoffLimit": 0, "template": {"spec": pod_spec(container(command), restart="Never")}}
    return {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": name}, "spec": spec}


def http_service(name: str, target: int | str = "http") -> dict[str, Any]:
    """A Service on port 80 in front of the pods labelled ``app: <name>``."""
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": name},
        "spec": {"selector": {"app": name}, "ports": [{"name": "web", "port": 80, "targetPort": target}]},
    }


def deleted_or_deleting(api: object, name: str) -> bool:
    """True when the namespace is gone or terminating: its deletion was asked for (not waited for)."""
    from kubernetes import client
    from kubernetes.client.exceptions import ApiException

    try:
        return bool(client.CoreV1Api(api).read_namespace(name).status.phase == "Terminating")
    except ApiException as error:
        return error.status == 404
