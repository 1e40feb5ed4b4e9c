# Multi-stage build: compile in the Rust image, run in a small Debian image as a non-root user.
FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY Cargo.toml Cargo.lock rustfmt.toml ./
COPY src ./src
RUN cargo build --release --locked && strip target/release/permanency-report

FROM debian:bookworm-slim AS runtime
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates tzdata \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /var/lib/permanency-report --create-home permanency
COPY --from=build /src/target/release/permanency-report /usr/local/bin/permanency-report
COPY config/permanency.toml /etc/permanency-report/permanency.toml
USER 10001:10001
WORKDIR /var/lib/permanency-report
# Extracts are mounted at /data/extracts, reports are written to /data/reports.
ENTRYPOINT ["/usr/local/bin/permanency-report"]
CMD ["run", "--config", "/etc/permanency-report/permanency.toml", "--input-dir", "/data/extracts", "--out", "/data/reports", "--log-format", "json"]
