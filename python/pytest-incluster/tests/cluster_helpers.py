"""Helpers of the cluster tests."""

from __future__ import annotations

BUSYBOX = "docker.io/library/busybox:1.35"


def pod_manifest(name: str, image: str = BUSYBOX, command: list[str] | None = None) -> dict:
    """A pod that passes the restricted Pod Security Standard, never pulling an image already there."""
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name},
        "spec": {
            "automountServiceAccountToken": False,
            "terminationGracePeriodSeconds": 0,
            "securityContext": {
                "runAsNonRoot": True,
                "runAsUser": 1000,
                "seccompProfile": {"type": "RuntimeDefault"},
            },
            "containers": [
                {
                    "name": "main",
                    "image": image,
                    "imagePullPolicy": "IfNotPresent",
                    "env": [{"name": "HOME", "value": "/tmp"}],
                    "command": command or ["sh", "-c", "echo started; touch $HOME/ready; exec sleep 3600"],
                    "readinessProbe": {
                        "exec": {"command": ["sh", "-c", "cat $HOME/ready"]},
                        "periodSeconds": 1,
                    },
                    "securityContext": {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}},
                    "resources": {"requests": {"cpu": "10m", "memory": "16Mi"}, "limits": {"memory": "32Mi"}},
                }
            ],
        },
    }
