package main

// Rows of issue 13 items 3 and 4: verify's flags for a user's noisy data
// and lists of entries. Each bad value is refused naming the flag and the
// value before anything is read or trained; a flag given where it does
// not apply is refused naming it; a list's own faults name the file and
// line.
func init() {
	// A 4 x 5 list of 12 ratings, 1-based with a header.
	const list = "user,item,rating\n1,1,5\n1,2,3\n2,1,4\n2,5,1\n4,3,2\n4,5,4\n1,5,2\n2,2,5\n4,1,3\n1,3,1\n2,3,2\n4,2,5\n"
	listBase := []string{"verify", "--workload", "mc", "--target", "{dir}/r.csv", "--steps", "20", "--quiet", "--out", "{dir}/out"}
	withList := files("r.csv", list)
	addBadInputs(kindNotApplying,
		refused("verify --center without --target", with(verifyTiny, "--center", "rows"), "invalid --center rows", "applies to a user's --target"),
		refused("verify --noise-level without --target", with(verifyTiny, "--noise-level", "0.1"), "invalid --noise-level 0.1", "applies to a user's --target"),
		refused("verify --patience without --target", with(verifyTiny, "--patience", "5"), "invalid --patience 5", "applies to a user's --target"),
		refusedSetup("verify --center on a matrix", []string{"verify", "--target", "{dir}/m.csv", "--center", "rows", "--quiet", "--out", "{dir}/out"},
			files("m.csv", "1,2.5\n3,4\n"), "m.csv is read as a matrix: --center"),
		refusedSetup("verify --reference altmin on a matrix", []string{"verify", "--target", "{dir}/m.csv", "--r", "1", "--reference", "altmin", "--steps", "5", "--quiet", "--out", "{dir}/out"},
			files("m.csv", "1,2.5,1\n3,4,2\n1,1,1\n"), "invalid --reference altmin", "needs --workload mc on a list of entries"),
		refusedSetup("verify --target-format entries for mf", []string{"verify", "--target", "{dir}/r.csv", "--target-format", "entries", "--quiet", "--out", "{dir}/out"},
			withList, "invalid --target-format entries", "needs --workload mc"),
	)
	addBadInputs(kindEmpty,
		refused("verify --seeds 0", with(verifyTiny, "--seeds", "0"), "invalid --seeds 0", "1..1000"),
		refused("verify --patience 0", with(verifyTiny, "--patience", "0"), "invalid --patience 0"),
		refused("verify --noise-level -1", with(verifyTiny, "--noise-level", "-1"), "invalid --noise-level -1"),
		refusedSetup("verify --center median", with(listBase, "--center", "median"), withList, "invalid --center median", "auto or one of"),
		refusedSetup("verify --index-base 2", with(listBase, "--index-base", "2"), withList, "invalid --index-base 2"),
		refusedSetup("verify --duplicates sum", with(listBase, "--duplicates", "sum"), withList, "invalid --duplicates sum"),
		refusedSetup("verify --target-format json", with(listBase, "--target-format", "json"), withList, "invalid --target-format json"),
		refusedSetup("verify --reference best", with(listBase, "--reference", "best"), withList, "invalid --reference best"),
		refusedSetup("verify --validation 1", with(listBase, "--validation", "1"), withList, "invalid --validation 1"),
		// The list's own faults: the file and the line.
		refusedSetup("verify a list with a duplicate", listBase, files("r.csv", "1,1,5\n2,2,3\n1,1,4\n2,1,1\n"), "r.csv:3: duplicate entry (1, 1), already given on line 1", "--duplicates average"),
		refusedSetup("verify a list 0 in a 1-based file", with(listBase, "--index-base", "1"), files("r.csv", "0,1,5\n2,2,3\n"), "r.csv:1:1: row index 0 in a file declared 1-based"),
		refusedSetup("verify an .mtx list out of range", []string{"verify", "--workload", "mc", "--target", "{dir}/o.mtx", "--quiet", "--out", "{dir}/out"},
			files("o.mtx", "%%MatrixMarket matrix coordinate real general\n2 3 2\n1 1 1\n3 1 2\n"), "o.mtx:4: entry (3, 1) is outside the 2x3 matrix"),
		refusedSetup("verify a list too small to split", listBase, files("r.csv", "1,1,5\n2,2,3\n"), "r.csv: 2 units cannot give 1 to test, 1 to validation and at least one to training"),
	)
}
