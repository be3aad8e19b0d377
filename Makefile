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

# The performance harness (bench/): seeded data in Postgres and SQLite (reused when the seed and size match),
# the service and bench/baseline pinned to CPU 1, the load driver on CPU 0, A/B interleaved with medians; it
# writes docs/benchmarks.md, keeping the text between its findings markers. Needs Postgres on 127.0.0.1:5432
# (user postgres, trust auth) and taskset; ~15–20 minutes at full size. BENCHFLAGS passes flags, e.g.
# BENCHFLAGS="-pprof E2" or BENCHFLAGS="-only E2,E3".
BENCHFLAGS ?=
.PHONY: bench-smoke bench-go
bench: ## the performance harness at full size (~15–20 min): writes docs/benchmarks.md
	$(GO) run ./bench/cmd/bench $(BENCHFLAGS)

bench-smoke: ## the harness end to end at smoke size (about a minute once its data is loaded)
	$(GO) run ./bench/cmd/bench -small $(BENCHFLAGS)

bench-go: ## the Go micro-benchmarks (go test -bench)
	$(GO) test -run '^$$' -bench . -benchmem ./...

fuzz: ## every fuzz target for FUZZTIME (10s) each; with RELIABILITY_RESULTS=DIR, their figures too
	FUZZTIME=$(FUZZTIME) ./scripts/fuzz

# The fault tests' long form (real binary, a private Postgres cluster stopped and started, SIGKILL and SIGTERM
# under load; several minutes), then docs/reliability.md from their figures, the machine and the direct
# dependencies. The document is written even when a test fails (it says which); the target then fails too.
RELIABILITY_RESULTS ?= $(CURDIR)/bin/reliability
RELIABILITY_FUZZTIME ?= 1m
.PHONY: reliability vuln
reliability: ## fault tests and soak (long form), evidence, races under -race, fuzzing; then docs/reliability.md
	rm -rf $(RELIABILITY_RESULTS) && mkdir -p $(RELIABILITY_RESULTS)
	status=0; RELIABILITY_LONG=1 RELIABILITY_RESULTS=$(RELIABILITY_RESULTS) CONSTELLATE_TEST_REQUIRE_POSTGRES=1 \
		$(GO) test -count=1 -v -timeout 30m ./reliability/ || status=$$?; \
	RELIABILITY_RESULTS=$(RELIABILITY_RESULTS) CONSTELLATE_TEST_REQUIRE_POSTGRES=1 $(GO) test -count=1 -timeout 30m \
		-run '^(TestEvidenceAuthorization|TestMassAssignment|TestHostileInput)$$' ./api/ || status=$$?; \
	RELIABILITY_RESULTS=$(RELIABILITY_RESULTS) CONSTELLATE_TEST_REQUIRE_POSTGRES=1 $(GO) test -race -count=1 -timeout 30m \
		-run '^Test(Concurrency|ApplicationRacing|ApplicationIdempotentSubmit|AssessmentRacingSubmit|AwardRacing|PaymentRacing|AwardIdempotentDecisionUnderRace)' ./api/ || status=$$?; \
	FUZZTIME=$(RELIABILITY_FUZZTIME) RELIABILITY_RESULTS=$(RELIABILITY_RESULTS) ./scripts/fuzz || status=$$?; \
	$(GO) run ./reliability/report -results $(RELIABILITY_RESULTS) -out docs/reliability.md && \
	echo "wrote docs/reliability.md" && exit $$status

# govulncheck needs its vulnerability database (vuln.go.dev), which is unreachable from this workplace: here the
# target fails, by design; it works wherever the database is reachable. docs/reliability.md lists every direct
# dependency, pinned, with the date checked, in its place.
vuln: ## govulncheck ./... (needs vuln.go.dev; unreachable from this workplace)
	$(GO) run golang.org/x/vuln/cmd/govulncheck@latest ./...

clean: ## remove build output
	rm -rf bin
