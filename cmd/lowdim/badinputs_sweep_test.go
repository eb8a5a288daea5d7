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
			spec, "invalid -o {dir}/sp.toml", "is the spec"),
		refusedSetup("sweep k8s -o is the spec", []string{"sweep", "k8s", "{dir}/sp.toml", "--image", "r/l:1", "--shards", "2", "-o", "{dir}/sp.toml"},
			spec, "invalid -o {dir}/sp.toml", "is the spec"),
		refusedSetup("sweep slurm --out a file", []string{"sweep", "slurm", "{dir}/sp.toml", "--shards", "2", "--out", "{dir}/sp.toml", "-o", "{dir}/x.sbatch"},
			spec, "invalid --out {dir}/sp.toml", "is a file"),
		// lowdim sweep's --out, as run's: never among a user's files or
		// another sweep's configurations (sweep.Claim), before any run.
		refusedSetup("sweep --out a folder of user files", []string{"sweep", "{dir}/sp.toml", "--out", "{dir}/mine", "--quiet"},
			both(spec, files("mine/notes.txt", "mine\n")), "invalid --out {dir}/mine", "notes.txt", "did not write"),
		refusedSetup("sweep --out another sweep's folder", []string{"sweep", "{dir}/sp.toml", "--out", "{dir}/sw", "--quiet"},
			both(spec, files("sw/lowdim-sweep.json", `{"sweep": "0123", "points": 4, "description": "another"}`)), "invalid --out {dir}/sw", "holds another sweep", "another"),
		refusedSetup("sweep --out a file", []string{"sweep", "{dir}/sp.toml", "--out", "{dir}/sp.toml", "--quiet"},
			spec, "invalid --out {dir}/sp.toml", "is a file"),
		// -o is named -o (not --o, nor --out, the other flag).
		refusedSetup("sweep slurm -o empty", []string{"sweep", "slurm", "{dir}/sp.toml", "--shards", "2", "-o", ""},
			spec, `invalid -o ""`, "stdout"),
		refusedSetup("sweep slurm -o a folder", []string{"sweep", "slurm", "{dir}/sp.toml", "--shards", "2", "-o", "{dir}"},
			spec, "invalid -o {dir}"),
		// sweep k8s's --out is inside the volume mounted at /sweep.
		refusedSetup("sweep k8s --out escapes the volume", []string{"sweep", "k8s", "{dir}/sp.toml", "--image", "r/l:1", "--out", "../up"},
			spec, "invalid --out ../up", "..", "/sweep"),
		refusedSetup("sweep k8s --out absolute outside the volume", []string{"sweep", "k8s", "{dir}/sp.toml", "--image", "r/l:1", "--out", "/tmp/up"},
			spec, "invalid --out /tmp/up", "outside the volume"),
	)
	addBadInputs(kindEmpty,
		refusedSetup("sweep slurm --shards 0", []string{"sweep", "slurm", "{dir}/sp.toml", "--shards", "0", "-o", "{dir}/x.sbatch"},
			spec, "invalid --shards 0", "at least 1"),
		refusedSetup("sweep k8s --shards 0", []string{"sweep", "k8s", "{dir}/sp.toml", "--image", "r/l:1", "--shards", "0"},
			spec, "invalid --shards 0", "at least 1"),
		refusedSetup("sweep --shards 0", []string{"sweep", "{dir}/sp.toml", "--shards", "0", "--out", "{dir}/sw", "--quiet"},
			spec, "invalid --shards 0", "at least 1"),
	)
	addBadInputs(kindNotApplying,
		refusedSetup("sweep --shard with another --shards", []string{"sweep", "{dir}/sp.toml", "--shard", "0/2", "--shards", "3", "--out", "{dir}/sw", "--quiet"},
			spec, "invalid --shards 3", "--shard 0/2"),
		refusedSetup("sweep slurm --shard", []string{"sweep", "slurm", "{dir}/sp.toml", "--shard", "0/2", "-o", "{dir}/x.sbatch"},
			spec, "invalid --shard 0/2", "--shards"),
		// lowdim run's flags that are no configuration keys: not taken by
		// a sweep, and why (they said "unknown key").
		refusedSetup("sweep spec max-time", []string{"sweep", "slurm", "{dir}/mt.toml", "-o", "-"},
			files("mt.toml", "preset = \"paper-mc-fast\"\n[base]\nmax-time = \"1h\"\n"), "{dir}/mt.toml", "a sweep does not take max-time", "--max-time"),
		refusedSetup("sweep spec preset axis", []string{"sweep", "slurm", "{dir}/pa.toml", "-o", "-"},
			files("pa.toml", "preset = \"paper-mc-fast\"\n[[axis]]\nkey = \"preset\"\nvalues = [\"quick\", \"paper-mf-fast\"]\n"), "{dir}/pa.toml", "a sweep does not take preset"),
		// sweep merge of two sweeps' folders, without --mixed.
		refusedSetup("sweep merge of two sweeps", []string{"sweep", "merge", "--out", "{dir}/m", "{dir}/a", "{dir}/b"},
			files("a/lowdim-sweep.json", `{"sweep": "0123", "points": 4, "description": "one"}`, "b/lowdim-sweep.json", `{"sweep": "4567", "points": 2, "description": "two"}`),
			"{dir}/a holds sweep 0123", "{dir}/b holds sweep 4567", "--mixed"),
	)
}

// both runs two setups in order.
func both(a, b func(*testing.T, string) []string) func(*testing.T, string) []string {
	return func(t *testing.T, dir string) []string {
		return append(a(t, dir), b(t, dir)...)
	}
}
