// The images incluster builds, under the exact names the clusters' manifests and runner Dockerfiles
// use. None can be pulled: each is built on this machine (recipes/), so these names are promises
// kept by the builds. Their versions are pinned in ../versions.ts.
import {
  BUSYBOX_VERSION,
  COREDNS_VERSION,
  DEBIAN_SUITE,
  NODE_VERSION,
  PAUSE_VERSION,
  POSTGRES_MAJOR,
  PYTHON_VERSION,
  REDIS_VERSION,
  UV_VERSION,
} from '../versions.ts';

/** The pod sandbox image both providers' containerd is configured with. */
export const PAUSE_IMAGE = `registry.k8s.io/pause:${PAUSE_VERSION}`;

/** The CoreDNS image of the cluster DNS (entrypoint /coredns). */
export const COREDNS_IMAGE = `registry.k8s.io/coredns/coredns:v${COREDNS_VERSION}`;

/** A shell and network tools for test pods (sh, nslookup, nc, wget, …). */
export const BUSYBOX_IMAGE = `docker.io/library/busybox:${BUSYBOX_VERSION}`;

/** A `node:24-bookworm-slim` equivalent: Debian minbase, Node, npm, a `node` user (uid 1000). */
export const NODE_IMAGE = `docker.io/library/node:${NODE_VERSION.split('.')[0]}-${DEBIAN_SUITE}-slim`;

/** PostgreSQL from Debian with the official image's environment interface, running as uid 999. */
export const POSTGRES_IMAGE = `docker.io/library/postgres:${POSTGRES_MAJOR}-${DEBIAN_SUITE}`;

/** Redis from Debian's redis-server, running as uid 999 like the official image. */
export const REDIS_IMAGE = `docker.io/library/redis:${REDIS_VERSION}-${DEBIAN_SUITE}`;

/** Internal base (debootstrap minbase) the Debian-based images start FROM; never in a cluster. */
export const DEBIAN_BASE_IMAGE = `incluster.local/debian:${DEBIAN_SUITE}-minbase`;

/** A `python:3.11-slim-bookworm` equivalent: Debian's python3 as `python` and `python3`, CA certificates. */
export const PYTHON_IMAGE = `docker.io/library/python:${PYTHON_VERSION}-slim-${DEBIAN_SUITE}`;

/** Astral's uv image: only the static `/uv` and `/uvx`, for `COPY --from` in a Dockerfile. */
export const UV_IMAGE = `ghcr.io/astral-sh/uv:${UV_VERSION}`;
