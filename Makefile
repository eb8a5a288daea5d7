# lowdim: build, run and test.
#
#   make run    build bin/lowdim and run the quick suite (results in lowdim-out/)
#   make run-fmnist  install FashionMNIST (make fmnist-data) and run the MLP experiment
#   make test   vet and run every test, under each BLAS backend available
#   make install  install lowdim into $(go env GOPATH)/bin
#
# BLAS backend: OpenBLAS (go build -tags openblas, through cgo) when a C
# compiler, OpenBLAS's cblas.h and libopenblas are found (Debian:
# apt-get install libopenblas-dev gcc), otherwise gonum's pure Go, which
# needs nothing beyond Go. Choose with BLAS=gonum or BLAS=openblas:
#
#   make run BLAS=gonum    pure Go even where OpenBLAS is installed
#   make test BLAS=gonum   the pure-Go pass only
#
# make test always runs the suite with pure Go, then again with
# -tags openblas when the backend is openblas. Tests no BLAS backend can
# change (input refused before any numerics, interruption, atomic output)
# run in the first pass only (internal/testenv.GonumPassOnly); a few costly
# tests that one backend exercises as well as another run in the last pass
# only (testenv.LastPassOnly, told the passes by LOWDIM_TEST_PASSES).
#
# A test that lacks something it needs (MNIST, OpenBLAS, a C compiler, the
# time -short withholds) skips, unless LOWDIM_REQUIRE_ALL=1: then it fails
# (package internal/testenv). CI (.ci/run) sets LOWDIM_REQUIRE_ALL=1 so that
# "skipped: not available" becomes a failure; under it a make test without
# the OpenBLAS pass fails too. Only needs CI cannot provide (RAPL energy
# counters in a VM) still skip, and, by design, the OpenBLAS pass's
# GonumPassOnly tests (the first pass ran them).
#
# The trainer's tests (the step conformance suite among them) run once more
# with -tags purego, which replaces the AVX2/FMA assembler kernel of the
# sampled step with its portable Go loop, so that machines without those
# extensions are covered, and so does the test of golden trajectories
# recorded with that loop (TestMCNoiseZeroBitIdentical).

GO      ?= go
VERSION := $(shell git describe --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -X github.com/lowdim/lowdim/machine.Version=$(VERSION)
OUT     ?= lowdim-out

# OpenBLAS is usable when a C program including cblas.h links with
# -lopenblas (\043 is '#', which make would read as a comment).
HAVE_OPENBLAS := $(shell printf '\043include <cblas.h>\nint main(void) { return cblas_ddot(0, 0, 1, 0, 1) != 0; }\n' | \
	$$($(GO) env CC) -x c - -o /dev/null -lopenblas >/dev/null 2>&1 && echo yes)
# Only BLAS given on make's command line counts: an environment variable
# BLAS (a library path, for some other build) does not choose the backend.
ifneq ($(origin BLAS),command line)
BLAS := $(if $(HAVE_OPENBLAS),openblas,gonum)
endif
ifeq ($(BLAS),openblas)
TAGS := openblas
ifneq ($(HAVE_OPENBLAS),yes)
$(error BLAS=openblas but OpenBLAS was not found (no C compiler, cblas.h or libopenblas; on Debian: apt-get install libopenblas-dev gcc))
endif
else ifeq ($(BLAS),gonum)
TAGS :=
else
$(error BLAS=$(BLAS): want gonum or openblas)
endif

.PHONY: all build install run test fmt-check vet calibrate clean fmnist-data run-fmnist fuzz

all: build

build:
	@echo "== BLAS backend: $(BLAS)"
	$(GO) build -tags '$(TAGS)' -ldflags "$(LDFLAGS)" -o bin/lowdim ./cmd/lowdim

# Install lowdim into $(go env GOPATH)/bin (or GOBIN), built like make build.
install:
	@echo "== BLAS backend: $(BLAS)"
	$(GO) install -tags '$(TAGS)' -ldflags "$(LDFLAGS)" ./cmd/lowdim

run: build
	./bin/lowdim run --preset quick --out $(OUT)

# FashionMNIST for lowdim run --preset fmnist: Debian's dataset-fashion-mnist
# (IDX files under /usr/share/datasets/fashion-mnist; needs root or sudo).
# Without it the preset falls back to MNIST from the GoMNIST Go module.
FMNIST_DIR := /usr/share/datasets/fashion-mnist
SUDO       := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

fmnist-data:
	@test -d $(FMNIST_DIR) || { $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq dataset-fashion-mnist; }

# The nonlinear experiment: MLP, MLP + wide linear block, MLP + compressed
# block on FashionMNIST (minutes on two cores); results in $(OUT)/fmnist.
run-fmnist: build fmnist-data
	./bin/lowdim run --preset fmnist --out $(OUT)/fmnist

# Measure the backend's GFLOP/s and the memory bandwidth (lowdim calibrate).
calibrate: build
	./bin/lowdim calibrate

# Both passes run even when the first fails; make test fails if either did.
test: fmt-check vet
	@fail=0; \
	passes=gonum; [ -n "$(TAGS)" ] && passes=gonum,openblas; \
	echo "== go test ./... (BLAS backend: gonum, pure Go)"; \
	LOWDIM_TEST_PASSES=$$passes $(GO) test -count=1 -timeout 15m ./... || fail=1; \
	echo "== go test -tags purego: the trainer and the golden trajectories (the portable sampled loop, not the assembler kernel)"; \
	$(GO) test -tags purego -count=1 ./trainer/... || fail=1; \
	$(GO) test -tags purego -count=1 -run 'TestMCNoiseZeroBitIdentical' ./cmd/lowdim || fail=1; \
	if [ -n "$(TAGS)" ]; then \
	  echo "== go test -tags openblas ./... (BLAS backend: openblas)"; \
	  LOWDIM_TEST_PASSES=$$passes $(GO) test -tags openblas -count=1 -timeout 15m ./... || fail=1; \
	else \
	  echo "== OpenBLAS not found or BLAS=gonum: no -tags openblas pass"; \
	  if [ "$$LOWDIM_REQUIRE_ALL" = 1 ]; then echo "LOWDIM_REQUIRE_ALL=1: the OpenBLAS pass is required" >&2; fail=1; fi; \
	fi; \
	exit $$fail

# Run each parser's fuzz target for FUZZTIME in turn (go test -fuzz takes
# one target at a time); plain go test replays their corpora. A failing
# input is saved under the package's testdata/fuzz/ and stops make fuzz.
# FUZZMINIMIZETIME caps the minimizing of each new input: go's default,
# 60s, spent up to 40 of 60 seconds of a run minimizing instead of
# fuzzing (config: 16k executions in 60 s, 59k with 2s).
FUZZTIME ?= 30s
FUZZMINIMIZETIME ?= 2s
FUZZ_TARGETS := npy:FuzzRead matfile:FuzzReadCSV matfile:FuzzReadMTX idx:FuzzRead config:FuzzResolve \
	compare:FuzzReadBenchFile matfile:FuzzReadEntries

fuzz:
	@for t in $(FUZZ_TARGETS); do \
	  pkg=$${t%%:*}; fn=$${t#*:}; \
	  echo "== $$fn ./$$pkg for $(FUZZTIME)"; \
	  $(GO) test -run '^$$' -fuzz "^$$fn\$$" -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINIMIZETIME) ./$$pkg || exit 1; \
	done

vet:
	$(GO) vet ./...
	$(GO) vet -tags purego ./trainer/...
	$(if $(TAGS),$(GO) vet -tags '$(TAGS)' ./...)

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

clean:
	rm -rf bin $(OUT)
