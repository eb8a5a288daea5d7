package main

// Rows of issue items 22 and 23: a zero given where absence means the
// default is refused (bench --watts-per-core 0, the MLP run's --every 0,
// as the linear run's --every 0), and an unknown --tags is named with the
// known tags instead of "no benchmark matches --filter".
func init() {
	addBadInputs(kindEmpty,
		refused("bench --watts-per-core 0", with(benchBase, "--watts-per-core", "0"), "invalid --watts-per-core 0", "leave the flag out"),
		refusedSetup("mlp --every 0", with(mlpBase, "--every", "0"), withMLPData, "invalid --every 0", "leave --every out"),
		refused("bench --tags bogus", with(benchBase, "--tags", "bogus"), "invalid --tags bogus", `unknown tag "bogus"`, "step", "workload=mc"),
		refused("bench --tags step,bogus", with(benchBase, "--tags", "step,bogus"), "invalid --tags step,bogus", `unknown tag "bogus"`),
	)
}
