package bench

// TagGate is the tag of the curated suite lowdim gate runs on every pull
// request (GateSuite): small enough that a base and a head binary can each
// run it many times within a few minutes on two cores, and covering one
// step of each step path, training to the quick preset's tolerance (the
// deterministic recovery-err and steps-to-tol), inference, and the MLP's
// quick training (MLPCases: its deterministic test-acc and test-loss).
const TagGate = "gate"

// GateSuite names the cases tagged TagGate (Case.Name). A name no case has
// (a size left out of Options.Sizes) tags nothing.
var GateSuite = []string{
	"Step/workload=mf/method=original/path=dense/d=64/L=3",
	"Step/workload=mf/method=compressed/path=factored/d=64/L=3",
	"Step/workload=mc/method=compressed/path=sampled/d=64/L=3",
	"Train/workload=mf/method=compressed/d=40/L=3/steps=5000",
	"Infer/method=compressed/d=64/L=3/batch=256",
	"MLP/method=cdln/data=mnist12/n=2000/epochs=2/h=32/L=3",
}

// tagGate adds TagGate to the cases of GateSuite, in place.
func tagGate(cases []Case) {
	for i, c := range cases {
		if contains(GateSuite, c.Name) && !contains(c.Tags, TagGate) {
			cases[i].Tags = append(c.Tags[:len(c.Tags):len(c.Tags)], TagGate)
		}
	}
}
