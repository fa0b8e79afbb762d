# entitlement-sidecar container image.
#   docker build -t entitlement-sidecar .
#   docker run --rm -p 8787:8787 -v sidecar-data:/var/lib/entitlement-sidecar \
#       -e STIGG_API_KEY entitlement-sidecar
# Without STIGG_API_KEY it answers from the bundled offline demo snapshot. See docs/deploy.md.

ARG SWIFT_VERSION=6.3
ARG DEBIAN_RELEASE=bookworm

# --- build: the Swift toolchain image, release build with the Swift stdlib linked in ---
FROM swift:${SWIFT_VERSION}-${DEBIAN_RELEASE} AS build
# libcurl4-openssl-dev: the upstream client (CCurl) links libcurl.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends libsqlite3-dev pkg-config libcurl4-openssl-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /build
# Dependencies first, so editing our sources does not fetch them again.
COPY Package.swift ./
RUN swift package resolve
COPY Sources ./Sources
# Package.swift declares the test targets too; SwiftPM wants their folders present.
COPY Tests ./Tests
RUN swift build -c release --static-swift-stdlib --product entitlement-sidecar \
 && install -D --strip "$(swift build -c release --show-bin-path)/entitlement-sidecar" /out/entitlement-sidecar

# --- runtime: slim Debian with only what the binary links dynamically ---
FROM debian:${DEBIAN_RELEASE}-slim
# What `ldd` shows the release binary needs beyond libc: libsqlite3-0 (the store), libcurl4
# (the upstream client; it brings its own TLS and compression libraries), libstdc++6 and
# libgcc-s1; plus ca-certificates for HTTPS to Stigg and tzdata for Foundation's time zones.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      libsqlite3-0 libcurl4 libstdc++6 libgcc-s1 ca-certificates tzdata \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --user-group --home-dir /var/lib/entitlement-sidecar --shell /usr/sbin/nologin sidecar \
 && install -d -o sidecar -g sidecar -m 0750 /var/lib/entitlement-sidecar
COPY --from=build /out/entitlement-sidecar /usr/local/bin/entitlement-sidecar
COPY config/offline-entitlements.json config/sidecar.example.json /etc/entitlement-sidecar/
ENV SIDECAR_HOST=0.0.0.0 \
    SIDECAR_PORT=8787 \
    SIDECAR_DB_PATH=/var/lib/entitlement-sidecar/sidecar.sqlite \
    SIDECAR_OFFLINE_FILE=/etc/entitlement-sidecar/offline-entitlements.json
# The SQLite cache and usage outbox: keep it across restarts so the sidecar starts warm and
# queued usage is delivered.
VOLUME /var/lib/entitlement-sidecar
# Numeric, so Kubernetes can verify runAsNonRoot without reading /etc/passwd.
USER 10001:10001
EXPOSE 8787
# `health` asks /readyz on loopback (SIDECAR_HOST=0.0.0.0 is asked on 127.0.0.1): exit 0 when
# ready or degraded (answers come from real data), 1 otherwise. No curl in the image.
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 CMD ["entitlement-sidecar", "health"]
# SIGTERM drains in-flight requests and flushes queued usage within SIDECAR_SHUTDOWN_GRACE.
STOPSIGNAL SIGTERM
ENTRYPOINT ["entitlement-sidecar"]
