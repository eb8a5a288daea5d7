# lowdim: build, run and test.
#
#   make run    build bin/lowdim and run the quick suite (results in lowdim-out/)
#   make test   vet and run every test
#
# Everything is pure Go (gonum's BLAS); nothing beyond Go is needed.

GO      ?= go
VERSION := $(shell git describe --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -X github.com/lowdim/lowdim/machine.Version=$(VERSION)
OUT     ?= lowdim-out

.PHONY: all build run test fmt-check vet clean

all: build

build:
	$(GO) build -ldflags "$(LDFLAGS)" -o bin/lowdim ./cmd/lowdim

run: build
	./bin/lowdim run --preset quick --out $(OUT)

test: fmt-check vet
	$(GO) test -count=1 -timeout 15m ./...

vet:
	$(GO) vet ./...

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

clean:
	rm -rf bin $(OUT)
