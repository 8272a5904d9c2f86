#!/usr/bin/env bash
# The image works end to end: builds it, runs it against the loopback Discord with the bundled
# program, waits for /healthz to say healthy, runs /next through it, stops it with SIGTERM and
# checks that the database survived in its volume.
#
# Needs a running Docker daemon and the workspace's Rust toolchain (for the loopback Discord,
# crates/fake-discord's binary). Where no image registry is reachable, it builds stand-ins for
# the two base images under their own names (debian:bookworm-slim with debootstrap, and
# rust:1-slim-bookworm from it and this machine's Rust toolchain) and says so. Everything runs
# with --network host: the container reaches the loopback Discord on 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."

IMAGE=confbot:smoke
VOLUME=confbot-smoke-data
NAME=confbot-smoke
HTTP=127.0.0.1:${SMOKE_HTTP_PORT:-9187}
WORK=$(mktemp -d)
FAKE_PID=

say() { printf 'smoke: %s\n' "$*"; }
cleanup() {
    docker rm -f "$NAME" >/dev/null 2>&1 || true
    docker volume rm -f "$VOLUME" >/dev/null 2>&1 || true
    if [[ -n $FAKE_PID ]]; then kill "$FAKE_PID" 2>/dev/null || true; fi
    rm -rf "$WORK"
}
trap cleanup EXIT

have_image() { docker image inspect "$1" >/dev/null 2>&1; }

# The base images: pulled where a registry answers, else stand-ins under the same names.
base() {
    local image=$1
    if docker pull -q "$image" >/dev/null 2>&1; then
        say "$image: pulled from its registry"
    elif have_image "$image"; then
        say "$image: no registry reachable; using the image already here (the stand-in, on a machine that never reached one)"
    else
        say "$image: no registry reachable; building a stand-in under its name"
        "stand_in_${image%%:*}"
    fi
}
stand_in_debian() {
    debootstrap --variant=minbase bookworm "$WORK/rootfs" http://deb.debian.org/debian >"$WORK/debootstrap.log"
    tar -C "$WORK/rootfs" -c . | docker import -m "stand-in: debootstrap bookworm minbase" - debian:bookworm-slim >/dev/null
    rm -rf "$WORK/rootfs"
}
stand_in_rust() {
    local toolchain
    toolchain=$(rustc --print sysroot)
    say "  from debian:bookworm-slim and this machine's $(rustc --version)"
    # The compiler and its libraries, not the documentation; and the machine's trust store.
    mkdir -p "$WORK/rust/toolchain"
    cp -a "$toolchain/bin" "$toolchain/lib" "$WORK/rust/toolchain/"
    cp /etc/ssl/certs/ca-certificates.crt "$WORK/rust/"
    docker build --network host -t rust:1-slim-bookworm -f deploy/stand-ins/rust.Dockerfile "$WORK/rust" >"$WORK/rust-build.log"
    rm -rf "$WORK/rust"
}
base debian:bookworm-slim
base rust:1-slim-bookworm

say "building $IMAGE"
docker build --network host -t "$IMAGE" . >"$WORK/build.log" 2>&1 || { tail -30 "$WORK/build.log"; exit 1; }

say "starting the loopback Discord"
cargo build --quiet -p fake-discord --bin fake-discord
target/debug/fake-discord >"$WORK/fake.out" 2>"$WORK/fake.err" &
FAKE_PID=$!
for _ in $(seq 50); do grep -q '^DISCORD_GUILD_ID=' "$WORK/fake.out" && break; sleep 0.1; done
grep '^DISCORD_' "$WORK/fake.out" >"$WORK/bot.env"

say "starting $IMAGE"
docker volume create "$VOLUME" >/dev/null
docker run -d --name "$NAME" --network host --env-file "$WORK/bot.env" \
    -e CONFBOT_HTTP_ADDR="$HTTP" -v "$VOLUME":/data --tmpfs /tmp "$IMAGE" >/dev/null

healthy=
for _ in $(seq 120); do
    if body=$(curl -fsS "http://$HTTP/healthz" 2>/dev/null); then healthy=$body; break; fi
    sleep 1
done
if [[ -z $healthy ]]; then
    say "FAIL: /healthz never said healthy: $(curl -sS "http://$HTTP/healthz" || true)"
    docker logs "$NAME" 2>&1 | tail -20
    exit 1
fi
say "/healthz: $healthy"
curl -fsS "http://$HTTP/metrics" | grep -E '^confbot_(program_talks|gateway_connected|interactions_total)' | sed 's/^/smoke: \/metrics: /' || true

for _ in $(seq 60); do grep -q '^ANSWERED' "$WORK/fake.out" && break; sleep 0.5; done
if ! grep '^ANSWERED' "$WORK/fake.out" | sed 's/^/smoke: /'; then
    say "FAIL: /next went unanswered"; cat "$WORK/fake.err"; docker logs "$NAME" 2>&1 | tail -20
    exit 1
fi

say "stopping with SIGTERM"
started=$(date +%s)
docker stop --time 15 "$NAME" >/dev/null
code=$(docker inspect --format '{{.State.ExitCode}}' "$NAME")
say "exited with $code after $(( $(date +%s) - started )) s"
[[ $code == 0 ]] || { docker logs "$NAME" 2>&1 | tail -20; exit 1; }

# The database in the volume, read from the host (before any other command could create it):
# the program that serve imported at its start.
mount=$(docker volume inspect --format '{{.Mountpoint}}' "$VOLUME")
talks=$(python3 -c 'import sqlite3, sys
db = sqlite3.connect("file:" + sys.argv[1] + "?mode=ro", uri=True)
print(db.execute("PRAGMA integrity_check").fetchone()[0], db.execute("SELECT count(*) FROM talks").fetchone()[0])' \
    "$mount/confbot.sqlite3")
say "the volume's database after the stop: integrity $talks talks"
[[ $talks == ok\ * && ${talks#ok } -gt 0 ]] || exit 1
say "OK"
