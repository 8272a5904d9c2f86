# A stand-in for the official `rust:1-slim-bookworm` where no image registry is reachable:
# the stand-in Debian image plus a copy of this machine's own Rust toolchain (the build
# context deploy/smoke.sh prepares), and what cargo needs to build confbot's C parts and fetch
# crates, with this machine's trust store.
FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends gcc libc6-dev ca-certificates \
 && rm -rf /var/lib/apt/lists/*
COPY toolchain /usr/local/rust
# This machine's trust store: where the network inspects TLS, cargo must trust what it does.
COPY ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
ENV PATH=/usr/local/rust/bin:$PATH CARGO_HOME=/usr/local/cargo
