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
// calls allocate nothing: they pass the address of the first element of
// each slice. OpenBLAS runs its products on GOMAXPROCS threads (set before
// a call whenever GOMAXPROCS changed, up to OpenBLAS's own MAX_THREADS), so
// that GOMAXPROCS and go test -cpu=1,2 bound both backends alike.
//
// gonum.org/v1/netlib, which wraps a whole CBLAS, is not used: it exists
// only as a 2019 version, not kept in step with gonum v0.17, and it wraps
// hundreds of routines of which lowdim needs two. The shim is those two,
// tested against a naive reference and against gonum's panics by the
// suite in this package.
//
// # Threads
//
// OpenBLAS runs its own thread pool (OPENBLAS_NUM_THREADS, default all
// cores) beside Go's scheduler, and picks its kernels for the CPU at start
// unless OPENBLAS_CORETYPE names one; Detail reports the kernel in use.
// gonum's Dgemm instead starts goroutines for products of more than 64 x 64
// outputs.
package blasbackend
