"""What marks the objects incluster creates as its own.

The same names as ``src/ownership.ts`` of incluster (a unit test compares them), so ``incluster sweep``
finds the namespaces these fixtures leave behind, and ``kubectl get ns -l app.kubernetes.io/managed-by=
incluster`` lists them beside the Vitest fixtures' ones.
"""

from __future__ import annotations

import re
import secrets
from datetime import datetime, timezone

MANAGED_BY_LABEL = "app.kubernetes.io/managed-by"
"""Set to MANAGED_BY_VALUE on everything incluster creates."""
MANAGED_BY_VALUE = "incluster"
RUN_ID_LABEL = "incluster.dev/run-id"
"""The run that created an object: an ``incluster run``, or one pytest process."""
TEST_ID_LABEL = "incluster.dev/test-id"
"""The test a namespace belongs to."""
EXPIRES_AT_ANNOTATION = "incluster.dev/expires-at"
"""When ``incluster sweep`` may delete the namespace (ISO time)."""
TEST_NAME_ANNOTATION = "incluster.dev/test-name"
"""The full test name, for people reading ``kubectl get ns -o yaml``."""


def managed_by_labels(extra: dict[str, str] | None = None) -> dict[str, str]:
    """``extra`` plus the label that marks an object as incluster's (which wins a clash)."""
    return {**(extra or {}), MANAGED_BY_LABEL: MANAGED_BY_VALUE}


def label_selector(labels: dict[str, str]) -> str:
    """``key=value,...``: a Kubernetes label selector."""
    return ",".join(f"{key}={value}" for key, value in labels.items())


def new_run_id(now: datetime | None = None) -> str:
    """A new run id, ``20261124-150312-a1b2``: UTC time to the second, then 4 random hex digits."""
    stamp = (now or datetime.now(timezone.utc)).astimezone(timezone.utc).strftime("%Y%m%d-%H%M%S")
    return f"{stamp}-{secrets.token_hex(2)}"


def label_value(value: str) -> str:
    """``value`` made a valid label value: at most 63 of ``A-Za-z0-9._-``, alphanumeric at both ends."""
    cleaned = re.sub(r"[^A-Za-z0-9._-]", "-", value)[:63]
    return re.sub(r"^[^A-Za-z0-9]+|[^A-Za-z0-9]+$", "", cleaned) or "x"


def iso_time(moment: datetime) -> str:
    """``2026-01-09T10:00:00.000Z``: the form JavaScript's ``toISOString`` writes and ``sweep`` parses."""
    utc = moment.astimezone(timezone.utc)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"
