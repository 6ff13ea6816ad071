#!/usr/bin/env bash
# ci/docker-up.sh — make a Docker daemon and the local test image samia/postgres:15-local available.
#
# Idempotent: installs what is missing (docker.io, debootstrap; containerd, runc, iptables and tini come
# as dependencies), starts dockerd as root unless a daemon already answers, builds the image unless it
# exists with the current recipe, then smoke-tests it (container up, port published on 127.0.0.1 only).
#
# Contract for callers (.ci/run):
#   * The exit code is 0 whether Docker is ready or unavailable; non-zero only on a usage error.
#   * $SAMIA_DOCKER_STATE (default /tmp/samia-docker) then holds:
#       status   one line: "ready", or "unavailable: <reason>"
#       env      shell lines to source: `export SAMIA_DOCKER=1` plus SAMIA_TEST_IMAGE,
#                TESTCONTAINERS_RYUK_DISABLED, TESTCONTAINERS_HOST_OVERRIDE and
#                TESTCONTAINERS_CONNECTION_MODE=docker_host (this VM has /.dockerenv) when ready;
#                `export SAMIA_DOCKER=0` when unavailable
#       dockerd.pid  only when this script started dockerd (ci/docker-down.sh stops exactly that one)
#       dockerd.good-flags  flags of a dockerd that passed the smoke test (tried first next time)
#       dockerd.log, apt.log, build.log, smoke.log
#   * Unavailable also prints a loud "WARNING: Docker is unavailable: ..." block.
#   Typical use:  bash ci/docker-up.sh; . /tmp/samia-docker/env; [ "$SAMIA_DOCKER" = 1 ] && ...
#
# Knobs: SAMIA_LOCAL_PG=15 (default: Debian bookworm's postgresql-15, no pgvector) or 17 (Debian trixie's
# postgresql-17 + postgresql-17-pgvector, the major supabase/postgres 17.x runs); SAMIA_LOCAL_IMAGE (tag,
# default samia/postgres:$SAMIA_LOCAL_PG-local); SAMIA_DOCKER_SMOKE=0 (skip the smoke test);
# SAMIA_DOCKERD_FLAGS (extra dockerd flags, tried before the built-in fallbacks).
set -uo pipefail

STATE=${SAMIA_DOCKER_STATE:-/tmp/samia-docker}
PG=${SAMIA_LOCAL_PG:-15}
case $PG in
    15) SUITE=bookworm PACKAGES=postgresql-15 ;;
    17) SUITE=trixie PACKAGES=postgresql-17,postgresql-17-pgvector ;;
    *) echo "SAMIA_LOCAL_PG must be 15 or 17, not '$PG'" >&2; exit 2 ;;
esac
IMAGE=${SAMIA_LOCAL_IMAGE:-samia/postgres:$PG-local}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ENTRYPOINT_SRC="$HERE/postgres-entrypoint.sh"
LABEL=org.samia.test=true
# Bump RECIPE_VERSION when the build steps below change; the entrypoint's content is hashed in too.
RECIPE_VERSION=2
T0=$(date +%s.%N)

mkdir -p "$STATE"
ROOTFS=""
STARTED=0         # 1 when this run started dockerd
DOCKERD_FLAGS=""  # with these flags
SMOKE_REASON=""
# --one-file-system: never follow a /proc or /sys that an interrupted debootstrap left mounted.
trap '[ -n "$ROOTFS" ] && [ -d "$ROOTFS" ] && rm -rf --one-file-system "$ROOTFS"' EXIT

since() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }
say() { printf '[docker-up %6ss] %s\n' "$(since "$T0")" "$*"; }

write_state() {  # $1 = status line, $2.. = env lines
    local status=$1
    shift
    printf '%s\n' "$status" > "$STATE/status"
    printf '%s\n' "$@" > "$STATE/env"
}

unavailable() {
    local reason=$1
    write_state "unavailable: $reason" "export SAMIA_DOCKER=0"
    cat <<EOF

##########################################################################################
WARNING: Docker is unavailable: $reason
WARNING: the testcontainers backend is NOT exercised; tests run on the embedded backend only
WARNING: (tests marked 'docker' are skipped). Details: $STATE/*.log
##########################################################################################

EOF
    say "done (docker unavailable) in $(since "$T0") s"
    exit 0
}

docker_answers() { timeout 10 docker info > /dev/null 2>&1; }

recipe_hash() {
    { echo "$RECIPE_VERSION $SUITE $PACKAGES"; cat "$ENTRYPOINT_SRC"; } | sha256sum | cut -c1-16
}

# --- 1. packages -----------------------------------------------------------------------------------
install_missing() {
    local missing=()
    command -v dockerd > /dev/null || missing+=(docker.io)
    command -v debootstrap > /dev/null || missing+=(debootstrap)
    if [ ${#missing[@]} -eq 0 ]; then
        say "packages: docker.io and debootstrap already installed"
        return 0
    fi
    if [ "$(id -u)" != 0 ]; then
        unavailable "missing ${missing[*]} and not root (cannot apt-get install)"
    fi
    say "packages: installing ${missing[*]} (log: $STATE/apt.log)"
    local t
    t=$(date +%s.%N)
    if ! apt-get update -q > "$STATE/apt.log" 2>&1; then
        unavailable "apt-get update failed (see $STATE/apt.log)"
    fi
    if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" \
            >> "$STATE/apt.log" 2>&1; then
        unavailable "apt-get install ${missing[*]} failed (see $STATE/apt.log)"
    fi
    command -v docker > /dev/null || unavailable "no docker CLI after installing docker.io"
    say "packages: installed in $(since "$t") s"
}

# --- 2. the daemon ---------------------------------------------------------------------------------
try_dockerd() {  # $@ = extra flags; 0 when a daemon answers within 30 s
    local pid i from
    say "dockerd: starting with flags: ${*:-(defaults: overlay2, bridge, iptables)}"
    rm -f "$STATE/dockerd.pid"
    echo "=== $(date -u +%FT%TZ) dockerd $*" >> "$STATE/dockerd.log"
    from=$(wc -l < "$STATE/dockerd.log")
    setsid dockerd --pidfile="$STATE/dockerd.pid" "$@" >> "$STATE/dockerd.log" 2>&1 < /dev/null &
    pid=$!
    for i in $(seq 1 60); do
        if docker_answers; then
            # dockerd wrote its own pid file; fall back to $! (setsid does not fork here).
            [ -s "$STATE/dockerd.pid" ] && pid=$(cat "$STATE/dockerd.pid") || echo "$pid" > "$STATE/dockerd.pid"
            DOCKERD_FLAGS="$*"
            STARTED=1
            say "dockerd: up (pid $pid, storage $(docker info -f '{{.Driver}}' 2>/dev/null))"
            return 0
        fi
        kill -0 "$pid" 2> /dev/null || break
        sleep 0.5
    done
    say "dockerd: failed with these flags:"
    tail -n +"$from" "$STATE/dockerd.log" | grep -E 'level=(error|fatal)|^failed to start' | tail -n 3 | sed 's/^/    /'
    kill "$pid" 2> /dev/null
    for i in $(seq 1 20); do kill -0 "$pid" 2> /dev/null || break; sleep 0.5; done
    kill -9 "$pid" 2> /dev/null
    rm -f "$STATE/dockerd.pid"
    return 1
}

ensure_daemon() {
    if docker_answers; then
        say "dockerd: a daemon already answers ($(docker info -f '{{.ServerVersion}} {{.Driver}}' 2>/dev/null))"
        return 0
    fi
    [ "$(id -u)" = 0 ] || unavailable "no Docker daemon answers and not root (cannot start dockerd)"
    command -v dockerd > /dev/null || unavailable "dockerd not found"
    local pidfile=$STATE/dockerd.pid
    if [ -s "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2> /dev/null; then
        unavailable "our dockerd (pid $(cat "$pidfile")) runs but does not answer (see $STATE/dockerd.log)"
    fi
    # overlay2 first; vfs when overlayfs is refused (nested sandboxes); then without iptables/NAT
    # (port publishing still works through docker-proxy).
    # shellcheck disable=SC2086
    if [ -n "${SAMIA_DOCKERD_FLAGS:-}" ]; then
        try_dockerd $SAMIA_DOCKERD_FLAGS && return 0
    elif [ -f "$STATE/dockerd.good-flags" ]; then  # what passed the smoke test last time
        local good=()
        read -r -a good < "$STATE/dockerd.good-flags"
        [ ${#good[@]} -gt 0 ] && try_dockerd "${good[@]}" && return 0
    fi
    try_dockerd && return 0
    try_dockerd --storage-driver=vfs && return 0
    try_dockerd --storage-driver=vfs --iptables=false --ip6tables=false --ip-masq=false && return 0
    unavailable "dockerd would not start (see $STATE/dockerd.log)"
}

stop_our_dockerd() {
    local pid i
    pid=$(cat "$STATE/dockerd.pid" 2> /dev/null) || return 0
    kill -TERM "$pid" 2> /dev/null
    for i in $(seq 1 60); do kill -0 "$pid" 2> /dev/null || break; sleep 0.5; done
    kill -KILL "$pid" 2> /dev/null
    rm -f "$STATE/dockerd.pid"
}

# --- 3. the image ----------------------------------------------------------------------------------
debian_mirror() {  # first plain (non-security) Debian URI from the configured apt sources
    local f uri
    for f in /etc/apt/sources.list.d/*.sources; do
        [ -f "$f" ] || continue
        uri=$(awk 'tolower($1) == "uris:" && $2 !~ /security/ { print $2; exit }' "$f")
        [ -n "$uri" ] && { echo "$uri"; return 0; }
    done
    for f in /etc/apt/sources.list.d/*.list /etc/apt/sources.list; do
        [ -f "$f" ] || continue
        uri=$(awk '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i !~ /^\[/ && $i !~ /\]$/ && $i ~ /:\/\//) {
                    if ($i !~ /security/ && $0 ~ / main/) { print $i; exit } break } }' "$f")
        [ -n "$uri" ] && { echo "$uri"; return 0; }
    done
    return 1
}

image_recipe() { docker image inspect -f '{{range .Config.Env}}{{println .}}{{end}}' "$IMAGE" 2>/dev/null \
    | sed -n 's/^SAMIA_IMAGE_RECIPE=//p'; }

build_image() {
    local want have mirror root t old_id
    want=$(recipe_hash)
    have=$(image_recipe)
    if [ "$have" = "$want" ]; then
        say "image: $IMAGE present (recipe $want)"
        return 0
    fi
    old_id=$(docker image inspect -f '{{.Id}}' "$IMAGE" 2> /dev/null)
    [ -n "$old_id" ] && say "image: $IMAGE has recipe ${have:-none}, want $want: rebuilding"
    [ -f "$ENTRYPOINT_SRC" ] || unavailable "missing $ENTRYPOINT_SRC"
    command -v debootstrap > /dev/null || unavailable "debootstrap not installed"
    mirror=$(debian_mirror) || unavailable "no Debian mirror found in /etc/apt/sources.list(.d)"
    root=$(mktemp -d /var/tmp/samia-rootfs.XXXXXX)
    ROOTFS=$root  # removed by the EXIT trap if we are interrupted
    chmod 0755 "$root"  # mktemp made it 0700: it becomes the container's / (vfs copies it verbatim)
    say "image: debootstrap --variant=minbase --include=$PACKAGES $SUITE from $mirror (log: $STATE/build.log)"
    t=$(date +%s.%N)
    if ! debootstrap --variant=minbase --include="$PACKAGES" "$SUITE" "$root" "$mirror" \
            > "$STATE/build.log" 2>&1; then
        rm -rf --one-file-system "$root"
        unavailable "debootstrap failed (see $STATE/build.log)"
    fi
    if [ ! -x "$root/usr/lib/postgresql/$PG/bin/postgres" ]; then
        rm -rf --one-file-system "$root"
        unavailable "debootstrap produced no /usr/lib/postgresql/$PG/bin/postgres"
    fi
    say "image: debootstrap done in $(since "$t") s"
    # Slim it: package caches, docs, translations, the distro's default cluster (the entrypoint makes
    # its own), and the LLVM JIT (postgres runs without it; the entrypoint sets jit=off).
    rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/* "$root"/usr/share/doc \
        "$root"/usr/share/man "$root"/usr/share/locale "$root/var/lib/postgresql/$PG" \
        "$root/etc/postgresql/$PG" "$root/usr/lib/postgresql/$PG/lib/"llvmjit* \
        "$root/usr/lib/postgresql/$PG/lib/bitcode" "$root"/usr/lib/x86_64-linux-gnu/libLLVM* \
        "$root"/usr/lib/x86_64-linux-gnu/libz3.so*
    install -m 0755 "$ENTRYPOINT_SRC" "$root/usr/local/bin/samia-entrypoint"
    say "image: rootfs $(du -sh "$root" | cut -f1); docker import as $IMAGE"
    t=$(date +%s.%N)
    if ! tar -C "$root" -c . | docker import \
            -c 'ENTRYPOINT ["/usr/local/bin/samia-entrypoint"]' \
            -c 'EXPOSE 5432' \
            -c "ENV PG_MAJOR=$PG" \
            -c "ENV PATH=/usr/lib/postgresql/$PG/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
            -c 'ENV PGDATA=/var/lib/postgresql/data' \
            -c 'ENV LANG=C.UTF-8' \
            -c "ENV SAMIA_IMAGE_RECIPE=$want" \
            - "$IMAGE" >> "$STATE/build.log" 2>&1; then
        rm -rf --one-file-system "$root"
        unavailable "docker import failed (see $STATE/build.log)"
    fi
    rm -rf --one-file-system "$root"
    # The previous build of this tag (now untagged) is ours: drop it.
    [ -n "$old_id" ] && [ "$old_id" != "$(docker image inspect -f '{{.Id}}' "$IMAGE")" ] \
        && docker rmi "$old_id" > /dev/null 2>&1
    say "image: imported in $(since "$t") s ($(docker image inspect -f '{{.Size}}' "$IMAGE" \
        | awk '{ printf "%d MB", $1 / 1e6 }'))"
}

# --- 4. smoke test ---------------------------------------------------------------------------------
smoke_test() {
    local cid t i port binding ans=""
    t=$(date +%s.%N)
    if ! cid=$(docker run -d --label "$LABEL" -e POSTGRES_USER=postgres -e POSTGRES_PASSWORD=samia-smoke \
            -e POSTGRES_DB=samia_smoke -p 127.0.0.1::5432 "$IMAGE" 2> "$STATE/smoke.log"); then
        SMOKE_REASON="cannot run a container of $IMAGE: $(head -n 1 "$STATE/smoke.log")"
        return 1
    fi
    for i in $(seq 1 120); do
        if docker exec -e PGPASSWORD=samia-smoke "$cid" psql -h 127.0.0.1 -U postgres -d samia_smoke \
                -Atqc 'select 1' > /dev/null 2>> "$STATE/smoke.log"; then
            break
        fi
        if [ "$(docker inspect -f '{{.State.Running}}' "$cid" 2> /dev/null)" != true ]; then
            i=120  # exited: no point in waiting
            break
        fi
        sleep 0.25
    done
    if [ "$i" = 120 ]; then
        docker logs "$cid" >> "$STATE/smoke.log" 2>&1
        docker rm -f "$cid" > /dev/null 2>&1
        SMOKE_REASON="the smoke container never became ready (see $STATE/smoke.log)"
        return 1
    fi
    local ready
    ready=$(since "$t")
    binding=$(docker port "$cid" 5432/tcp 2>/dev/null)
    port=${binding##*:}
    # SSLRequest from the host through the published port: postgres answers 'N' (no SSL).
    if exec 3<> "/dev/tcp/127.0.0.1/$port" 2> /dev/null; then
        printf '\000\000\000\010\004\322\026\057' >&3
        IFS= read -r -n 1 -t 5 ans <&3
        exec 3>&-
    fi
    docker rm -f "$cid" > /dev/null 2>&1
    if [ "$(printf '%s\n' "$binding" | grep -cv '^127\.0\.0\.1:')" != 0 ] || [ -z "$binding" ]; then
        SMOKE_REASON="port published as '$binding', expected 127.0.0.1 only"
        return 1
    fi
    if [ "$ans" != N ]; then
        SMOKE_REASON="postgres not reachable from the host on 127.0.0.1:$port"
        return 1
    fi
    say "smoke: container ready in $ready s; published on $binding only; reachable from the host"
}

# --- main ------------------------------------------------------------------------------------------
[ $# -eq 0 ] || { echo "usage: $0   (no arguments; see the header)" >&2; exit 2; }
say "start (state: $STATE, image: $IMAGE)"
rm -f "$STATE/status" "$STATE/env"
install_missing
ensure_daemon
build_image
if [ "${SAMIA_DOCKER_SMOKE:-1}" != 0 ] && ! smoke_test; then
    # overlay2 can start yet fail at mount time in nested sandboxes: retry our own daemon on vfs.
    if [ -s "$STATE/dockerd.pid" ] && [ "$(docker info -f '{{.Driver}}' 2> /dev/null)" != vfs ]; then
        say "smoke: $SMOKE_REASON; restarting our dockerd with --storage-driver=vfs"
        stop_our_dockerd
        try_dockerd --storage-driver=vfs || unavailable "dockerd would not start on vfs"
        build_image
        smoke_test || unavailable "$SMOKE_REASON"
    else
        unavailable "$SMOKE_REASON"
    fi
fi
[ "$STARTED" = 1 ] && printf '%s\n' "$DOCKERD_FLAGS" > "$STATE/dockerd.good-flags"
write_state ready \
    "export SAMIA_DOCKER=1" \
    "export SAMIA_TEST_IMAGE=$IMAGE" \
    "export TESTCONTAINERS_RYUK_DISABLED=true" \
    "export TESTCONTAINERS_HOST_OVERRIDE=127.0.0.1" \
    "export TESTCONTAINERS_CONNECTION_MODE=docker_host"
say "done: Docker ready, image $IMAGE (source $STATE/env) in $(since "$T0") s"
