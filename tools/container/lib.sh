# Container helpers for the tests and for trying --container by hand: a
# Debian rootfs from debootstrap (cached under build/container), a podman
# image of it with the demo copied in, and a runtime + podman flags that
# work on this machine. Source it (bash); functions print what they do on
# stderr and fail with a message.
#
#   source tools/container/lib.sh
#   ct_setup            # sets CT_IMAGE, CT_PODMAN (array: podman + global flags),
#                       # CT_RUN_FLAGS (array: flags for `podman run`)
#   "${CT_PODMAN[@]}" run -d "${CT_RUN_FLAGS[@]}" "$CT_IMAGE" /usr/local/bin/mcp-demo ...
#
# Everything missing is detected and set up, nothing assumed:
#  - packages (podman, runc or crun, debootstrap): tools/install-deps.sh;
#  - crun on hybrid cgroups refuses to run while cgroup v2 holds the hugetlb
#    controller: hugetlb is then mounted as a v1 hierarchy (runc is used
#    instead when it is installed, and then nothing is mounted);
#  - podman's default rlimits need CAP_SYS_RESOURCE: without it, explicit
#    --ulimit flags; no image registry: images are imported, --network none.

CT_ROOT=${CT_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
CT_CACHE=${CT_CACHE:-$CT_ROOT/build/container}
CT_REPO=localhost/mcp-bpftrace-demo
CT_SUITE=bookworm

ct_log() { echo "container: $*" >&2; }
ct_die() { echo "container: $*" >&2; return 1; }

# The Debian mirror apt uses: /etc/apt/sources.list (one-line format) or
# /etc/apt/sources.list.d/*.sources (deb822), the entry for the main suite.
ct_mirror() {
  local m=""
  if [ -r /etc/apt/sources.list ]; then
    m=$(awk '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i ~ /^(https?|file):/) { if ($(i+1) !~ /security/) { print $i; exit } } }' \
      /etc/apt/sources.list)
  fi
  if [ -z "$m" ]; then
    m=$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '
      /^[ \t]*$/ { if (uri != "" && suites !~ /security/ && types ~ /(^| )deb( |$)/) { print uri; exit } uri = suites = types = ""; next }
      tolower($1) == "uris:" { uri = $2 }
      tolower($1) == "suites:" { suites = $0 }
      tolower($1) == "types:" { types = $0 }
      END { if (uri != "" && suites !~ /security/) print uri }' | head -n 1)
  fi
  [ -n "$m" ] || m=$(grep -h '^deb ' /etc/apt/sources.list.d/*.list 2>/dev/null | grep -v security | awk '{print $2; exit}')
  [ -n "$m" ] || { ct_die "no Debian mirror in /etc/apt/sources.list or sources.list.d"; return 1; }
  echo "$m"
}

ct_have() { command -v "$1" >/dev/null 2>&1; }

ct_packages() {
  if ct_have podman && ct_have debootstrap && { ct_have runc || ct_have crun; }; then return 0; fi
  ct_log "installing podman, runc, debootstrap (tools/install-deps.sh)"
  "$CT_ROOT/tools/install-deps.sh" >&2 || true
  ct_have podman && ct_have debootstrap && { ct_have runc || ct_have crun; } ||
    ct_die "podman, debootstrap and runc or crun are needed (Debian packages: podman runc debootstrap)"
}

# Where cgroup v2 is mounted ("" if nowhere).
ct_v2_mount() {
  awk '{ for (i = 1; i <= NF; i++) if ($i == "-") { if ($(i+1) == "cgroup2") { print $5; exit } break } }' /proc/self/mountinfo
}

# A runtime that works here. Prints the podman global flags for it.
ct_runtime() {
  local v2; v2=$(ct_v2_mount)
  if [ "${CT_RUNTIME:-}" != crun ] && ct_have runc; then
    echo "--runtime $(command -v runc)"; return 0
  fi
  ct_have crun || { ct_die "neither runc nor crun is installed"; return 1; }
  # Hybrid cgroups (v2 not at /sys/fs/cgroup) with hugetlb in v2: crun 1.8
  # says "cgroups in hybrid mode not supported, drop all controllers from
  # cgroupv2". Move hugetlb to a v1 hierarchy.
  if [ -n "$v2" ] && [ "$v2" != /sys/fs/cgroup ] && grep -qw hugetlb "$v2/cgroup.controllers" 2>/dev/null; then
    if ! awk '$3 == "cgroup" && $4 ~ /(^|,)hugetlb(,|$)/ { f = 1 } END { exit !f }' /proc/mounts; then
      ct_log "hybrid cgroups with hugetlb in v2: mounting hugetlb as a v1 hierarchy for crun"
      mkdir -p /sys/fs/cgroup/hugetlb &&
        mount -t cgroup -o hugetlb cgroup /sys/fs/cgroup/hugetlb ||
        { ct_die "cannot mount the hugetlb v1 hierarchy (crun needs it here); install runc instead"; return 1; }
    fi
  fi
  echo "--runtime $(command -v crun)"
}

# Flags for `podman run`: no network (nothing to reach), and explicit rlimits
# when we may not raise them (podman's defaults then fail with EPERM).
ct_run_flags() {
  local capeff
  printf '%s\n' --network none
  capeff=$(awk '/^CapEff:/ { print $2 }' /proc/self/status)
  if [ -n "$capeff" ] && (( (16#$capeff >> 24 & 1) == 0 )); then
    printf '%s\n' --ulimit nofile=1024:1024 --ulimit nproc=4096:4096
  fi
}

# The rootfs: debootstrap --variant=minbase, once (about 45-100 s), cached.
ct_rootfs() {
  local dir=$CT_CACHE/rootfs mirror
  [ -f "$dir/.mcp-rootfs-ok" ] && { echo "$dir"; return 0; }
  mirror=$(ct_mirror) || return 1
  mkdir -p "$CT_CACHE"
  rm -rf "$dir.tmp"
  ct_log "debootstrap --variant=minbase $CT_SUITE from $mirror (first run only)"
  debootstrap --variant=minbase "$CT_SUITE" "$dir.tmp" "$mirror" >"$CT_CACHE/debootstrap.log" 2>&1 ||
    { tail -n 20 "$CT_CACHE/debootstrap.log" >&2; ct_die "debootstrap failed (log: $CT_CACHE/debootstrap.log)"; return 1; }
  rm -rf "$dir"
  mv "$dir.tmp" "$dir"
  touch "$dir/.mcp-rootfs-ok"
  echo "$dir"
}

# The image: the rootfs plus build/mcp-demo as /usr/local/bin/mcp-demo,
# tagged by the demo's hash so a rebuilt demo makes a new image.
ct_image() {
  local demo=$CT_ROOT/${BUILD:-build}/mcp-demo rootfs tag img old
  [ -x "$demo" ] || { ct_die "$demo is not built (make)"; return 1; }
  tag=$(sha256sum "$demo" | cut -c1-16)
  img=$CT_REPO:$tag
  if ! podman image exists "$img"; then
    rootfs=$(ct_rootfs) || return 1
    install -m 0755 "$demo" "$rootfs/usr/local/bin/mcp-demo"
    ct_log "podman import $img"
    tar -C "$rootfs" --exclude=./.mcp-rootfs-ok -c . | podman import -q - "$img" >/dev/null ||
      { ct_die "podman import failed"; return 1; }
    for old in $(podman images --format '{{.Repository}}:{{.Tag}}' | grep "^$CT_REPO:" | grep -v ":$tag\$"); do
      podman rmi -f "$old" >/dev/null 2>&1 || true
    done
  fi
  echo "$img"
}

ct_setup() {
  local rt
  ct_packages || return 1
  rt=$(ct_runtime) || return 1
  # shellcheck disable=SC2206
  CT_PODMAN=(podman $rt)
  mapfile -t CT_RUN_FLAGS < <(ct_run_flags)
  mkdir -p "$CT_CACHE"
  # One setup at a time (two test runs must not debootstrap into one dir).
  exec {CT_LOCK_FD}>"$CT_CACHE/.lock"
  flock "$CT_LOCK_FD"
  CT_IMAGE=$(ct_image) || { flock -u "$CT_LOCK_FD"; return 1; }
  flock -u "$CT_LOCK_FD"
  export CT_IMAGE
}
