package main

// Rows of issue item 24: one rule for every comma list, flags and keys:
// an empty item (a trailing, leading or doubled comma) is refused naming
// the list, as --r-hat 4, always was.
func init() {
	const empty = "an empty item in the list"
	addBadInputs(kindEmpty,
		refused("run --methods trailing comma", with(runBase, "--methods", "original,"), `"original,"`, "-methods", empty),
		refused("run --methods leading comma", with(runBase, "--methods", ",original"), `",original"`, "-methods", empty),
		refused("bench --sizes trailing comma", with(benchBase, "--sizes", "64,"), `invalid --sizes "64,"`, empty),
		refused("bench --cpu trailing comma", with(benchBase, "--cpu", "1,"), `invalid --cpu "1,"`, empty),
		refused("verify --r-hat trailing comma", with(verifyTiny, "--r-hat", "4,"), "invalid --r-hat 4,", empty),
		refused("verify --r-hat doubled comma", with(verifyTiny, "--r-hat", "2,,4"), "invalid --r-hat 2,,4", empty),
		refusedSetup("mlp --methods trailing comma", with(mlpBase, "--methods", "dln,"), withMLPData, `invalid --methods "dln,"`, empty),
	)
}
