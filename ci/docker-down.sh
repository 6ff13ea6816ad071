#!/usr/bin/env bash
# ci/docker-down.sh — undo ci/docker-up.sh, touching nothing else.
#
# 1. Removes containers labelled org.samia.test=true or created from a local test image samia/postgres:*
#    (or $SAMIA_LOCAL_IMAGE); samia_schema.containers labels its containers, so does the smoke test.
# 2. Stops the dockerd that ci/docker-up.sh started (pid in $SAMIA_DOCKER_STATE/dockerd.pid, checked to
#    be a dockerd), and only that one: a daemon that was already running is left alone.
# Images stay (the next docker-up is warm). Always exits 0.
set -uo pipefail

STATE=${SAMIA_DOCKER_STATE:-/tmp/samia-docker}
say() { printf '[docker-down] %s\n' "$*"; }

if timeout 10 docker info > /dev/null 2>&1; then
    ids=$( { docker ps -aq --filter label=org.samia.test=true
             for image in $(docker images --format '{{.Repository}}:{{.Tag}}' samia/postgres) \
                          ${SAMIA_LOCAL_IMAGE:-}; do
                 docker ps -aq --filter "ancestor=$image" 2> /dev/null
             done; } | sort -u)
    if [ -n "$ids" ]; then
        say "removing containers: ${ids//$'\n'/ }"
        # shellcheck disable=SC2086
        docker rm -f $ids > /dev/null
    else
        say "no samia containers"
    fi
fi

pidfile=$STATE/dockerd.pid
if [ -s "$pidfile" ]; then
    pid=$(cat "$pidfile")
    if kill -0 "$pid" 2> /dev/null && [ "$(cat "/proc/$pid/comm" 2> /dev/null)" = dockerd ]; then
        say "stopping dockerd (pid $pid)"
        kill -TERM "$pid"
        for _ in $(seq 1 60); do kill -0 "$pid" 2> /dev/null || break; sleep 0.5; done
        if kill -0 "$pid" 2> /dev/null; then
            say "dockerd did not stop in 30 s: SIGKILL"
            kill -KILL "$pid" 2> /dev/null
        fi
    else
        say "dockerd pid $pid is gone"
    fi
    rm -f "$pidfile"
else
    say "no dockerd started by docker-up (nothing to stop)"
fi
printf 'down\n' > "$STATE/status" 2> /dev/null
printf 'export SAMIA_DOCKER=0\n' > "$STATE/env" 2> /dev/null
exit 0
