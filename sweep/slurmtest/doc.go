// Package slurmtest holds the test that runs a sweep on a real Slurm: it
// starts munged, slurmctld and slurmd on this host (a single-node
// slurm.conf written for it), submits the script of `lowdim sweep slurm`
// (an array of 4 shards and the dependent merge) with sbatch --wait,
// compares the merged sweep with the unsharded one, and stops the daemons
// it started. It has no code outside its test.
package slurmtest
