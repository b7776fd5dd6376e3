# syntax=docker/dockerfile:1
# sigv4-conformance without a toolchain: the binary (with the suite embedded) on a minimal base.
#
#   docker build -t sigv4-conformance .
#   docker run --rm sigv4-conformance run                  # the reference against the suite
#   docker run --rm sigv4-conformance --version            # which suite it carries
#
# To check a signer, copy the binary into an image that has your signer and its adapter:
#   COPY --from=sigv4-conformance /usr/local/bin/sigv4-conformance /usr/local/bin/

FROM rust:1.95-slim-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked --bin sigv4-conformance \
    && install -D target/release/sigv4-conformance /out/sigv4-conformance

# glibc and libgcc, no shell, no package manager; the same Debian release as the build stage.
FROM gcr.io/distroless/cc-debian12:nonroot
COPY --from=build /out/sigv4-conformance /usr/local/bin/sigv4-conformance
ENTRYPOINT ["/usr/local/bin/sigv4-conformance"]
CMD ["run"]
