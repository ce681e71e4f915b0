#!/usr/bin/env bash
# Builds the tracer's image (deploy/Containerfile) with podman, without a
# registry: the base is the Debian rootfs tools/container/lib.sh makes with
# debootstrap for the tests, imported as localhost/mcp-bpftrace-base:bookworm.
# The build context is what git knows of the checkout (tracked files and
# untracked ones not ignored), so build directories and node_modules stay out.
#
#   deploy/build-image.sh [TAG]      (default localhost/mcp-bpftrace:VERSION)
# Prints the image name on stdout. Needs root (podman, debootstrap) and the
# Debian mirror (apt-get inside the build).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
VERSION=$(sed -n 's/^#define MCP_BPFTRACE_VERSION "\(.*\)"/\1/p' "$ROOT/user/version.h")
TAG=${1:-localhost/mcp-bpftrace:$VERSION}
BASE=localhost/mcp-bpftrace-base:bookworm
# shellcheck source=../tools/container/lib.sh
source "$ROOT/tools/container/lib.sh"
ct_packages
mkdir -p "$CT_CACHE"
exec {lock}>"$CT_CACHE/.lock"
flock "$lock"
if ! podman image exists "$BASE"; then
  rootfs=$(ct_rootfs)
  echo "build-image: podman import $BASE" >&2
  tar -C "$rootfs" --exclude=./.mcp-rootfs-ok --exclude=./usr/local/bin/mcp-demo -c . |
    podman import -q - "$BASE" >/dev/null
fi
flock -u "$lock"
ctx=$(mktemp -d /tmp/mcp-bpftrace-image.XXXXXX)
trap 'rm -rf "$ctx"' EXIT
if git -C "$ROOT" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  (cd "$ROOT" && git ls-files -z --cached --others --exclude-standard |
    xargs -0 -I{} sh -c 'test -e "{}" && printf "%s\0" "{}"' | tar --null -T - -cf - | tar -C "$ctx" -xf -)
else # an exported tree (git archive): all of it but build output
  tar -C "$ROOT" --exclude='./build*' --exclude=node_modules --exclude=vmlinux.h -cf - . | tar -C "$ctx" -xf -
fi
# --network=host: apt-get reaches the mirror the way the host does. The
# build stage is tagged too, so that its packages layer stays as the next
# build's cache while what older builds left is pruned below.
build=(podman build --network=host --build-arg BASE="$BASE" -f "$ROOT/deploy/Containerfile")
"${build[@]}" --target build -t localhost/mcp-bpftrace-build:latest "$ctx" >&2
"${build[@]}" -t "$TAG" "$ctx" >&2
podman image prune -f --filter label=org.mcp-bpftrace.stage >/dev/null
echo "$TAG"
