package main

import "testing"

// lowdim sweep slurm and k8s: -o never replaces the spec or a file of a
// lowdim folder, and --out is not a file; refused before anything is
// written (they used to overwrite the spec with the script, exit 0).
func init() {
	spec := func(t *testing.T, dir string) []string {
		writeIn(t, dir, "sp.toml", "preset = \"paper-mc-fast\"\n[base]\nd = 12\n[[axis]]\nkey = \"seed\"\nvalues = [1, 2]\n")
		return nil
	}
	addBadInputs(kindOutput,
		refusedSetup("sweep slurm -o is the spec", []string{"sweep", "slurm", "{dir}/sp.toml", "--shards", "2", "--out", "{dir}/sw", "-o", "{dir}/sp.toml"},
			spec, "invalid --o {dir}/sp.toml", "is the spec"),
		refusedSetup("sweep k8s -o is the spec", []string{"sweep", "k8s", "{dir}/sp.toml", "--image", "r/l:1", "--shards", "2", "-o", "{dir}/sp.toml"},
			spec, "invalid --o {dir}/sp.toml", "is the spec"),
		refusedSetup("sweep slurm --out a file", []string{"sweep", "slurm", "{dir}/sp.toml", "--shards", "2", "--out", "{dir}/sp.toml", "-o", "{dir}/x.sbatch"},
			spec, "invalid --out {dir}/sp.toml", "is a file"),
	)
}
