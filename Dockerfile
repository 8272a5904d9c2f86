# confbot in a container: built with the official Rust image, run on slim Debian as a
# non-root user. The database lives in the /data volume; the search index is rebuilt from it
# at every start under /tmp (a tmpfs in compose.yaml), so it needs no volume.
# See the README's "Deploy" section; deploy/smoke.sh checks this image end to end.

FROM rust:1-slim-bookworm AS build
WORKDIR /src
# The dependencies first, in a layer of their own, from the manifests and empty sources: a
# change to confbot's code then rebuilds confbot alone. Every workspace member's manifest is
# needed here (tests/architecture.rs checks this list against Cargo.toml).
COPY Cargo.toml Cargo.lock ./
COPY crates/fake-discord/Cargo.toml crates/fake-discord/
COPY crates/loadbench/Cargo.toml crates/loadbench/
COPY crates/searchbench/Cargo.toml crates/searchbench/
COPY crates/synthetic/Cargo.toml crates/synthetic/
# An empty library and program for each member, and each bench the root manifest declares.
RUN for crate in . crates/*; do \
      mkdir -p "$crate/src" && touch "$crate/src/lib.rs" && echo 'fn main() {}' > "$crate/src/main.rs"; \
    done \
 && mkdir -p benches \
 && for bench in $(awk '/^\[\[bench\]\]/ {b = 1} b && /^name/ {gsub(/"/, "", $3); print $3; b = 0}' Cargo.toml); do \
      echo 'fn main() {}' > "benches/$bench.rs"; \
    done \
 && cargo build --release --locked -p confbot --bin confbot \
 && rm -rf src benches crates/*/src
COPY . .
# Newer than the empty sources' build, whatever times the copy kept.
RUN touch src/lib.rs src/main.rs && cargo build --release --locked -p confbot --bin confbot

FROM debian:bookworm-slim
# curl for the HEALTHCHECK only: confbot's TLS uses its own bundled roots.
RUN apt-get update \
 && apt-get install -y --no-install-recommends curl \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /data --shell /usr/sbin/nologin confbot \
 && mkdir /data && chown confbot:confbot /data
COPY --from=build /src/target/release/confbot /usr/local/bin/confbot
USER confbot
WORKDIR /data
ENV CONFBOT_DB=/data/confbot.sqlite3 \
    CONFBOT_HTTP_ADDR=0.0.0.0:9187 \
    TMPDIR=/tmp
VOLUME /data
EXPOSE 9187
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD curl -fsS http://127.0.0.1:9187/healthz || exit 1
# confbot answers the interactions in hand and exits within 10 s of SIGTERM.
STOPSIGNAL SIGTERM
ENTRYPOINT ["confbot"]
CMD ["serve"]
