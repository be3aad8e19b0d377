# Constellate — developer tasks. Everything here needs only Go, except `test` (the full CI
# gate), which also runs the Redocly lint through npx (Node.js).

GO      ?= go
FUZZTIME ?= 10s
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)

.PHONY: help run build test test-go lint openapi bench fuzz clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-10s %s\n", $$1, $$2}'

run: ## demo data on embedded SQLite, then serve on :8080
	$(GO) run ./cmd/constellate seed --demo
	$(GO) run ./cmd/constellate serve

build: ## the static binary, exactly as the Dockerfile builds it, into bin/
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags "-s -w -X main.version=$(VERSION)" -o bin/constellate ./cmd/constellate

test: ## the whole gate CI runs: gofmt, vet, mod tidy, race tests on both databases, lint, fuzz
	./scripts/test

test-go: ## just the Go tests (SQLite, and Postgres when it answers)
	$(GO) test ./...

lint: ## gofmt and go vet
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

openapi: ## regenerate docs/ (go tool swag init), openapi.yaml (OpenAPI 3) and the TypeScript client's types
	$(GO) run ./tools/openapigen
	@if [ -d clients/typescript/node_modules ]; then cd clients/typescript && npm run --silent generate; \
	else echo "clients/typescript: run npm ci there, then npm run generate, to refresh src/schema.d.ts"; fi

bench: ## benchmarks (the performance issue adds them; this runs whatever exists)
	@echo "Benchmarks arrive with the performance issue; running any that exist."
	$(GO) test -run '^$$' -bench . -benchmem ./...

fuzz: ## a short run of every fuzz target (FUZZTIME=10s)
	FUZZTIME=$(FUZZTIME) ./scripts/fuzz

clean: ## remove build output
	rm -rf bin
