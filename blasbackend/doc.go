// Package blasbackend installs the BLAS implementation a lowdim binary is
// built with as gonum's blas64 implementation, so that every blas64 call in
// lowdim (dln's products, workloads' sensing operator, mat and lapack inside
// gonum) goes to it.
//
// # Backends
//
// The backend is chosen at build time by a build tag, never at run time:
//
//	go build ./...                  gonum's pure-Go implementation (the default)
//	go build -tags openblas ./...   OpenBLAS through cgo (needs libopenblas and a C compiler)
//
// Without the tag this package holds nothing but Detail, and blas64 keeps
// gonum.org/v1/gonum/blas/gonum. With the tag, openblas.go defines OpenBLAS
// and registers it with blas64.Use in its init; package machine imports this
// package in its own openblas-tagged file, so every binary that reports
// machine facts (all of lowdim's) links the registration. A test binary of
// a package that imports neither machine nor this package (dln's and
// workloads' own tests) keeps gonum's implementation even under the tag;
// this package's tests train those packages under both backends.
// machine.BLASBackend names the backend ("gonum" or "openblas"); Detail
// describes it further.
//
// # The OpenBLAS shim
//
// OpenBLAS embeds gonum's pure-Go Implementation and overrides the routines
// whose cost matters to lowdim, Dgemm and Dgemv, with calls to OpenBLAS's
// CBLAS interface in row-major order (CblasRowMajor, gonum's layout). Every
// other routine is gonum's. The overrides keep gonum's contract exactly: the
// same argument checks in the same order with the same panic strings, the
// same quick returns, and beta = 0 overwrites C or y whatever it held, NaN
// included. Calls that form no product (alpha = 0, or k = 0 in Dgemm) and
// dimensions beyond OpenBLAS's 32-bit integers go to gonum's code itself,
// so that its edge semantics hold there too (gonum's Dgemm multiplies the
// product by alpha = 0 rather than skip it: a NaN in A or B shows). The
// calls pass the address of the first element of each slice and, once
// warm, allocate nothing (the first calls allocate their job record and
// start the helper goroutines).
//
// gonum.org/v1/netlib, which wraps a whole CBLAS, is not used: it exists
// only as a 2019 version, not kept in step with gonum v0.17, and it wraps
// hundreds of routines of which lowdim needs two. The shim is those two,
// tested against a naive reference and against gonum's panics by the
// suite in this package.
//
// # Threads and determinism
//
// OpenBLAS divides a threaded product by its thread count, and its kernels
// round an output element differently depending on where the division puts
// it (measured with OpenBLAS 0.3.21, Zen kernel: dgemm 1024^3 at 3 threads
// differs from 1 thread in 3,700 of its 1M elements, 300 x 301 x 302
// already at 2 threads, dgemv at 2 threads and more on most shapes). So the
// shim does not let OpenBLAS thread: init sets its thread count to 1
// (OPENBLAS_NUM_THREADS is overridden), and split.go divides each product
// itself into pieces, bands of C's rows or columns (Dgemm, the longer side)
// or of y (Dgemv), whose number and width depend only on the shapes: one
// piece below 2^22 multiply-adds (Dgemm) or 2^18 elements of A (Dgemv), at
// most 4 pieces, widths multiples of 8. Each piece is a single-threaded
// OpenBLAS call; the caller and up to GOMAXPROCS - 1 helper goroutines (kept
// for the life of the process, idle when there is nothing to do) claim the
// pieces. Every element is therefore computed by the same call whichever
// goroutine runs it, and GOMAXPROCS (go test -cpu, lowdim bench --cpu) still
// bounds the cores a product uses, as it bounds gonum's goroutines.
//
// The guarantee: with one binary on one machine, results are bit-identical
// at any GOMAXPROCS (TestDeterministicAcrossGOMAXPROCS trains the quick
// preset at 1, 2 and 3; TestKernelsDeterministic holds Dgemm and Dgemv to it
// at 1 to 4 on shapes around the split's thresholds). Since the division
// does not depend on the number of cores either, machines on which OpenBLAS
// (the same version) picks the same kernel should agree bit for bit
// whatever their core counts; that is by construction, not measured. A
// different kernel (OpenBLAS chooses it for the CPU unless
// OPENBLAS_CORETYPE names one; Detail reports it) or version, and gonum's
// backend, round differently: the backends agree only within rounding, as
// measured in README.md (BLAS backends).
//
// The cost of dividing: a Dgemm piece packs the operand it does not divide
// whole, so 4 pieces pack it 4 times where OpenBLAS's own threads share one
// packing, and a piece handed to a helper goroutine waits for the Go
// scheduler (and, on a loaded machine, the OS) to run it, where OpenBLAS's
// threads spin. A product of fewer than 4 pieces runs on at most that many
// cores. Measured at d = 1024 (a 1024^3 Dgemm, the original network's
// product; BenchmarkThreading, OpenBLAS 0.3.21, two cores of a busy
// shared VM, 6 runs each, benchstat): on two cores the split took 26.1 ms
// against 27.6 ms for OpenBLAS's own two threads (no significant
// difference, p = 0.065); on one core 45.0 ms against 42.7 ms (the split
// packs B four times: 5% slower, p = 0.041). Determinism costs about
// nothing on two cores and at most 5% on one:
//
//	go test -tags openblas -run '^$' -bench Threading -count 6 -cpu 1,2 ./blasbackend | benchstat -col /mode -
package blasbackend
