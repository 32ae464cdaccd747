# DTBase in Go. `make run` starts the platform, `make test` runs every test.
GO ?= go
# Fuzzing time per target in `make test`; `make fuzz FUZZTIME=10m` for a longer run.
FUZZTIME ?= 10s

.PHONY: run test fuzz bench package build migrate vet fmt clean

run: ## build and start the platform on http://localhost:7071 (local PostgreSQL when none is configured)
	scripts/run.sh

test: ## every test, against throwaway PostgreSQL clusters the tests start themselves
	scripts/ensure-postgres.sh
	$(GO) vet ./...
	$(GO) test -count=1 ./...
	cd infrastructure && $(GO) vet ./... && $(GO) test -count=1 ./...
	$(GO) test -run '^$$' -fuzz '^FuzzDecodeBody$$' -fuzztime $(FUZZTIME) ./handlers/
	$(GO) test -run '^$$' -fuzz '^FuzzEndpoints$$' -fuzztime $(FUZZTIME) ./handlers/
	scripts/frontend-test.sh

fuzz: ## fuzz the JSON decoding and every endpoint for FUZZTIME each
	scripts/ensure-postgres.sh
	$(GO) test -run '^$$' -fuzz '^FuzzDecodeBody$$' -fuzztime $(FUZZTIME) ./handlers/
	$(GO) test -run '^$$' -fuzz '^FuzzEndpoints$$' -fuzztime $(FUZZTIME) ./handlers/

bench: ## speed figures (ingest, reads, per-request cost, memory) beside raw PostgreSQL
	scripts/ensure-postgres.sh
	$(GO) test -run '^$$' -bench . -benchtime 1x -count 1 -timeout 30m .

package: ## stage build/app and build/dtbase-functions.zip for Azure Functions
	scripts/package.sh

build:
	$(GO) build -o build/handler .

migrate: ## apply pending migrations to DT_DATABASE_URL
	$(GO) run . migrate up

vet:
	$(GO) vet ./...

fmt:
	gofmt -w $$(git ls-files '*.go')

clean:
	rm -rf build
