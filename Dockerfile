# syntax=docker/dockerfile:1
# Constellate: a static, non-root image. Build: docker build --build-arg VERSION=1.2.3 -t constellate .
# Run:   docker run -p 8080:8080 -v constellate-data:/data constellate
# (cmd/constellate/dockerfile_test.go runs this file's `go build` line, so it cannot rot.)

FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/constellate ./cmd/constellate
RUN mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/constellate /constellate
COPY --from=build --chown=65532:65532 /out/data /data
ENV CONSTELLATE_ADDR=:8080 \
    CONSTELLATE_DATA_DIR=/data
VOLUME ["/data"]
EXPOSE 8080
USER 65532:65532
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 CMD ["/constellate", "healthcheck"]
ENTRYPOINT ["/constellate"]
CMD ["serve"]
