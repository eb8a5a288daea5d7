package results_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/lowdim/lowdim/config"
	"github.com/lowdim/lowdim/machine"
	"github.com/lowdim/lowdim/results"
)

func ptr[T any](v T) *T { return &v }

// fill sets every exported field of *v that encoding/json writes to a
// non-zero value, distinct by a counter: the fixture for the types other
// packages own (config.Config, config.MLP, machine.Fingerprint), so that a
// field they add is filled, and round-tripped, without editing this file.
func fill[T any](v *T) *T {
	n := 0
	fillValue(reflect.ValueOf(v).Elem(), &n)
	return v
}

func fillValue(v reflect.Value, n *int) {
	*n++
	switch v.Kind() {
	case reflect.String:
		v.SetString(fmt.Sprintf("s%d", *n))
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(int64(*n))
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		v.SetUint(uint64(*n))
	case reflect.Float32, reflect.Float64:
		v.SetFloat(float64(*n) + 0.25)
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		fillValue(v.Elem(), n)
	case reflect.Slice:
		v.Set(reflect.MakeSlice(v.Type(), 2, 2))
		for i := range 2 {
			fillValue(v.Index(i), n)
		}
	case reflect.Array:
		for i := range v.Len() {
			fillValue(v.Index(i), n)
		}
	case reflect.Map:
		v.Set(reflect.MakeMap(v.Type()))
		k, e := reflect.New(v.Type().Key()).Elem(), reflect.New(v.Type().Elem()).Elem()
		fillValue(k, n)
		fillValue(e, n)
		v.SetMapIndex(k, e)
	case reflect.Interface:
		v.Set(reflect.ValueOf(fmt.Sprintf("s%d", *n)))
	case reflect.Struct:
		t := v.Type()
		for i := range t.NumField() {
			if f := t.Field(i); f.IsExported() && f.Tag.Get("json") != "-" {
				fillValue(v.Field(i), n)
			}
		}
	}
}

// linearRun is a linear run with every field that a linear run has set.
func linearRun() *results.Run {
	return &results.Run{
		Schema: results.RunSchema, Kind: results.KindLinear,
		Tool: "lowdim", Version: "v1.2.3-4-gabcdef", Backend: "openblas", Started: "2026-11-30T05:25:52Z",
		Config:  fill(&config.Config{}),
		Machine: *fill(&machine.Fingerprint{}),
		Instance: &results.InstanceInfo{
			Source: "seed", Rows: 40, Cols: 30, TargetSVals: []float64{10, 5.5, 1.25}, Observed: 480, HeldOut: 120,
			Measurements: 600, WorkloadBytes: 12800, LoadedInitsFrom: []string{"compressed", "original"}, Sparse: true,
			TargetTop: 10.5, StableEta: 0.0125, Precision: "float32", TargetRankFloat64: ptr(30),
			Entries: fill(&results.EntriesInfo{}),
			// A value is any JSON value; a string and a float64 read back as they were.
			Derived: []results.Derived{{Key: "r", Value: 4.0, From: "the numerical rank of t.npy"}, {Key: "loss", Value: "sum", From: "t.npy"}},
		},
		Methods: []results.MethodResult{{
			Method: "compressed", Path: "sampled", Status: results.Diverged, Message: "diverged at step 30 (loss 3e+08)",
			Steps: 30, Seconds: 0.75, SecondsPerStep: 0.025, Layers: [][2]int{{6, 30}, {6, 6}, {40, 6}},
			Params: 456, ParamBytes: 3648, WorkspaceBytes: 9600, GFLOPS: 1.5, PeakFraction: ptr(0.0625),
			OperatorGBps: 2.5, BandwidthFraction: ptr(0.125), PeakHeapBytes: 1 << 20,
			FinalError: ptr(0.5), BestError: ptr(0.25), FinalTrainLoss: ptr(1.5e-3),
			StepsToTol: ptr(20), SecondsToTol: ptr(0.5),
			SelectedStep: ptr(20), SelectedError: ptr(0.375), ValidationError: ptr(0.625), RMSE: ptr(0.75),
			Trajectory: []results.Checkpoint{
				{Step: 0, Seconds: 0, TrainLoss: 2, RecoveryError: 1, TestLoss: 2.5, HasTestLoss: true,
					SingularValues: []float64{0.01, 0.005}},
				{Step: 20, Seconds: 0.5, TrainLoss: 0.1 + 0.2, RecoveryError: math.Pi / 10, TestLoss: 1e-300,
					HasTestLoss: true, SingularValues: []float64{9.75, math.SmallestNonzeroFloat64}, AlignU: ptr(0.875), AlignV: ptr(0.5),
					Validation: ptr(0.625)},
			},
		}},
		Ratios: map[string]results.Ratio{"compressed/original": {
			StepsToTol: ptr(0.5), SecondsToTol: ptr(0.25), SecondsPerStep: ptr(0.125), Params: ptr(0.375),
		}},
		Memory: fill(&results.MemoryInfo{}),
		Time:   fill(&results.TimeInfo{}),
		Checks: []results.Check{{
			Name: "compressed-mf-recursion", Method: "compressed", Regime: "mf, small init", Quantity: "relative gap",
			Observed: 1e-9, Predicted: 0.5, Tolerance: 1e-6, Status: results.Fail, Detail: "worst at step 20",
		}},
	}
}

// mlpRun is an MLP run with every field that an MLP run has set.
func mlpRun() *results.Run {
	return &results.Run{
		Schema: results.RunSchema, Kind: results.KindMLP,
		Tool: "lowdim", Version: "0123456789ab-dirty", Backend: "gonum", Started: "2026-11-30T06:00:00Z",
		Interrupted: true,
		MLPConfig:   fill(&config.MLP{}),
		Machine:     *fill(&machine.Fingerprint{}),
		Data: &results.DataInfo{
			Name: "idx", Source: "IDX files in /tmp/x (--data)", Dir: "/tmp/x", TrainRows: 160, TestRows: 80,
			Rows: 6, Cols: 6, Classes: 4, Scale: "(p/255 - mean)/std", Mean: ptr(0.25), Std: ptr(0.375),
		},
		Methods: []results.MethodResult{{
			Method: "cdln", Status: results.MaxSteps, Steps: 60, Seconds: 1.25, SecondsPerStep: 1.25 / 60,
			Layers: [][2]int{{16, 36}, {4, 16}}, Params: 908, ParamBytes: 7264, WorkspaceBytes: 4096,
			GFLOPS: 0.75, PeakHeapBytes: 2 << 20, FinalTrainLoss: ptr(0.0168),
			MLP: &results.MLPMethod{
				CPUSeconds: ptr(1.5), FinalTestAccuracy: ptr(0.9875), BestTestAccuracy: ptr(0.99), FinalTestLoss: ptr(0.05),
				StepFlops: 123456, CountedFlops: 60 * 123456, InferFlopsPerRow: 1234,
				LatencyBatch1: ptr(7e-7), LatencyBatch256: ptr(6e-6),
				Trajectory: []results.MLPCheckpoint{
					{Step: 5, Epoch: 0.5, Seconds: 0.125, CPUSeconds: ptr(0.25), TrainLoss: 1.25, TrainAccuracy: 0.5,
						TestLoss: 1.125, TestAccuracy: 0.625, TestRows: 40},
				},
			},
		}},
		Ratios: map[string]results.Ratio{"cdln/dln": {
			Seconds: ptr(0.5), CPUSeconds: ptr(0.5625), SecondsPerStep: ptr(0.5), Params: ptr(0.59375),
			TestAccuracyDiff: ptr(-0.0125),
		}},
		Memory: &results.MemoryInfo{PeakRSSBytes: ptr(uint64(300 << 20)), PeakHeapBytes: 200 << 20},
		Checks: []results.Check{{
			Name: "cdln-accuracy", Method: "cdln/dln", Regime: "same outer layers", Quantity: "points",
			Observed: 0.25, Predicted: 0.125, Tolerance: 0.5, Status: results.Pass, Detail: "dln 0.9000, cdln 0.8975",
		}},
	}
}

// fieldsOf adds to all the name "Type.Field" of every field that
// encoding/json writes, of t and of the struct types t reaches.
func fieldsOf(t reflect.Type, all map[string]bool) {
	switch t.Kind() {
	case reflect.Pointer, reflect.Slice, reflect.Array, reflect.Map:
		fieldsOf(t.Elem(), all)
	case reflect.Struct:
		for i := range t.NumField() {
			f := t.Field(i)
			name := t.String() + "." + f.Name
			if !f.IsExported() || f.Tag.Get("json") == "-" || all[name] {
				continue
			}
			all[name] = true
			fieldsOf(f.Type, all)
		}
	}
}

// setFields adds to set the name "Type.Field" of every field of v, and of
// the values v reaches, that is not zero.
func setFields(v reflect.Value, set map[string]bool) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			setFields(v.Elem(), set)
		}
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			setFields(v.Index(i), set)
		}
	case reflect.Map:
		for it := v.MapRange(); it.Next(); {
			setFields(it.Value(), set)
		}
	case reflect.Struct:
		t := v.Type()
		for i := range t.NumField() {
			if t.Field(i).IsExported() && !v.Field(i).IsZero() {
				set[t.String()+"."+t.Field(i).Name] = true
				setFields(v.Field(i), set)
			}
		}
	}
}

// TestFixturesSetEveryField: between them the two fixtures give every
// field of Run, and of what it reaches, a value that is not zero, so that
// the round trip below covers every field; a field added later without a
// fixture value fails here.
func TestFixturesSetEveryField(t *testing.T) {
	all, set := map[string]bool{}, map[string]bool{}
	fieldsOf(reflect.TypeFor[results.Run](), all)
	setFields(reflect.ValueOf(linearRun()), set)
	setFields(reflect.ValueOf(mlpRun()), set)
	var missing []string
	for name := range all {
		if !set[name] {
			missing = append(missing, name)
		}
	}
	require.Empty(t, missing, "fields left at their zero value in both fixtures")
}

func TestRunRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		name string
		run  *results.Run
	}{
		{"linear", linearRun()},
		{"mlp", mlpRun()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, err := results.MarshalRun(tc.run)
			require.NoError(t, err)
			got, err := results.DecodeRun(bytes.NewReader(b))
			require.NoError(t, err)
			require.Equal(t, tc.run, got)

			path := filepath.Join(t.TempDir(), "run.json")
			require.NoError(t, results.WriteFileAtomic(path, b))
			got, err = results.ReadRun(path)
			require.NoError(t, err)
			require.Equal(t, tc.run, got)

			// And the bytes are stable: writing what was read gives them back.
			again, err := results.MarshalRun(got)
			require.NoError(t, err)
			require.Equal(t, string(b), string(again))
		})
	}
}

// TestRunJSONKeys pins the top-level layout of each kind: which parts are
// present and which are absent.
func TestRunJSONKeys(t *testing.T) {
	for _, tc := range []struct {
		name        string
		run         *results.Run
		has, hasNot []string
	}{
		{"linear", linearRun(), []string{`"schema": 3`, `"kind": "linear"`, `"backend": "openblas"`, `"config": {`,
			`"instance": {`, `"trajectory": [`}, []string{`"mlp_config"`, `"data"`, `"mlp"`}},
		{"mlp", mlpRun(), []string{`"schema": 3`, `"kind": "mlp"`, `"mlp_config": {`, `"data": {`, `"mlp": {`,
			`"latency_batch1_seconds_per_row"`}, []string{`"config"`, `"instance"`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, err := results.MarshalRun(tc.run)
			require.NoError(t, err)
			for _, s := range tc.has {
				require.Contains(t, string(b), s)
			}
			for _, s := range tc.hasNot {
				require.NotContains(t, string(b), s)
			}
		})
	}
}

// TestInterrupted: "interrupted" is always written; an interrupted run
// (status "interrupted" on a method cut short) reads back as such and is
// never finished; a run.json written before the field existed reads as
// not interrupted.
func TestInterrupted(t *testing.T) {
	lin, mlp := linearRun(), mlpRun()
	b, err := results.MarshalRun(lin)
	require.NoError(t, err)
	require.Contains(t, string(b), `"interrupted": false`)
	require.True(t, lin.Finished())

	mlp.Methods[0].Status, mlp.Methods[0].Message = results.Interrupted, "interrupted at step 60"
	b, err = results.MarshalRun(mlp)
	require.NoError(t, err)
	require.Contains(t, string(b), `"interrupted": true`)
	require.Contains(t, string(b), `"status": "interrupted"`)
	got, err := results.DecodeRun(bytes.NewReader(b))
	require.NoError(t, err)
	require.True(t, got.Interrupted)
	require.False(t, got.Finished())
	require.Equal(t, results.Interrupted, got.Methods[0].Status)

	old := edit(t, linearRun(), `  "interrupted": false,`+"\n", "")
	require.NotContains(t, string(old), `"interrupted"`)
	got, err = results.DecodeRun(bytes.NewReader(old))
	require.NoError(t, err)
	require.False(t, got.Interrupted)
	require.True(t, got.Finished())
	require.False(t, (*results.Run)(nil).Finished())
}

// TestComputeRatiosNoStep: a method that took no step (interrupted before
// training, diverged at step 0) has no time per step to compare: its
// ratio is absent, never 0; its parameter ratio stays.
func TestComputeRatiosNoStep(t *testing.T) {
	r := &results.Run{Methods: []results.MethodResult{
		{Method: "original", Steps: 10, SecondsPerStep: 0.5, Params: 800},
		{Method: "compressed", Status: results.Interrupted, Message: "interrupted before training (step 0)", Params: 200},
		{Method: "narrow", Steps: 10, SecondsPerStep: 0.25, Params: 400},
	}}
	r.ComputeRatios("original")
	c := r.Ratios["compressed/original"]
	require.Nil(t, c.SecondsPerStep)
	require.Equal(t, 0.25, *c.Params)
	n := r.Ratios["narrow/original"]
	require.Equal(t, 0.5, *n.SecondsPerStep)
	require.Equal(t, 0.5, *n.Params)
}

// TestAbsentIsAbsent: a value that does not exist (nil) is left out of
// the JSON and reads back nil, never 0.
func TestAbsentIsAbsent(t *testing.T) {
	r := mlpRun()
	x := r.Methods[0].MLP
	x.LatencyBatch1, x.LatencyBatch256, x.CPUSeconds, x.FinalTestAccuracy = nil, nil, nil, nil
	x.Trajectory[0].CPUSeconds = nil
	r.Data.Mean, r.Data.Std = nil, nil
	b, err := results.MarshalRun(r)
	require.NoError(t, err)
	for _, key := range []string{"latency_batch1_seconds_per_row", "latency_batch256_seconds_per_row",
		"cpu_seconds\": 1.5", "final_test_accuracy", "\"mean\"", "\"std\""} {
		require.NotContains(t, string(b), key)
	}
	got, err := results.DecodeRun(bytes.NewReader(b))
	require.NoError(t, err)
	require.Equal(t, r, got)
	require.Nil(t, got.Methods[0].MLP.LatencyBatch1)
}

// edit returns the JSON of run with old replaced by new once (old must
// occur).
func edit(t *testing.T, run *results.Run, old, new string) []byte {
	t.Helper()
	b, err := results.MarshalRun(run)
	require.NoError(t, err)
	require.Contains(t, string(b), old)
	return []byte(strings.Replace(string(b), old, new, 1))
}

func TestReadRunErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		json []byte
		want []string // each in the error, besides the file name
	}{
		{"no schema", edit(t, linearRun(), `"schema": 3,`, ``),
			[]string{"no schema field", "written by an older lowdim", "reads schema 3"}},
		{"null schema", edit(t, linearRun(), `"schema": 3,`, `"schema": null,`),
			[]string{"no schema field"}},
		{"older schema", edit(t, mlpRun(), `"schema": 3,`, `"schema": 1,`),
			[]string{"has schema 1", "reads schema 3"}},
		{"newer schema", edit(t, linearRun(), `"schema": 3,`, `"schema": 4,`),
			[]string{"has schema 4", "reads schema 3"}},
		{"schema not a number", edit(t, linearRun(), `"schema": 3,`, `"schema": "3",`),
			[]string{`schema "3" is not an integer`}},
		{"unknown field", edit(t, linearRun(), `"tool": "lowdim",`, `"tool": "lowdim", "extra": 1,`),
			[]string{`unknown field "extra"`}},
		{"unknown nested field", edit(t, mlpRun(), `"step_flops"`, `"flops_per_step": 1, "step_flops"`),
			[]string{`unknown field "flops_per_step"`}},
		{"unknown field in the mlp config", edit(t, mlpRun(), `"mlp_config": {`, `"mlp_config": {"bogus": "x", `),
			[]string{"unknown field", "bogus"}},
		{"unknown field in a checkpoint", edit(t, mlpRun(), `"test_rows": 40`, `"test_rows": 40, "bogus": [1]`),
			[]string{"unknown field", "bogus"}},
		{"wrong type", edit(t, linearRun(), `"steps": 30`, `"steps": "30"`),
			[]string{"methods.steps", "string"}},
		{"unknown kind", edit(t, linearRun(), `"kind": "linear"`, `"kind": "cnn"`),
			[]string{`kind is "cnn"`}},
		{"linear part in an mlp run", edit(t, mlpRun(), `"kind": "mlp"`, `"kind": "linear"`),
			[]string{`config is missing from a run of kind "linear"`}},
		{"mlp part of a method missing", edit(t, mlpRun(), `"mlp": {`, `"mlp_gone": {`),
			[]string{`unknown field "mlp_gone"`}},
		{"text after the object", append(edit(t, linearRun(), `"schema": 3`, `"schema": 3`), "{}"...),
			[]string{"after top-level value"}},
		{"not JSON", []byte("schema: 2\n"), []string{"invalid character"}},
		{"empty", nil, []string{"unexpected end of JSON input"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "run.json")
			require.NoError(t, os.WriteFile(path, tc.json, 0o644))
			_, err := results.ReadRun(path)
			require.Error(t, err)
			require.Contains(t, err.Error(), path, "the error names the file")
			for _, s := range tc.want {
				require.Contains(t, err.Error(), s)
			}
			_, err = results.DecodeRun(bytes.NewReader(tc.json))
			require.Error(t, err, "DecodeRun")
		})
	}
	_, err := results.ReadRun(filepath.Join(t.TempDir(), "missing.json"))
	require.ErrorIs(t, err, os.ErrNotExist)
}

func TestSchemaError(t *testing.T) {
	path := filepath.Join(t.TempDir(), "run.json")
	require.NoError(t, os.WriteFile(path, edit(t, linearRun(), `"schema": 3,`, `"schema": 1,`), 0o644))
	_, err := results.ReadRun(path)
	var se *results.SchemaError
	require.ErrorAs(t, err, &se)
	require.Equal(t, results.SchemaError{File: path, Found: 1}, *se)

	_, err = results.DecodeRun(strings.NewReader(`{"tool": "lowdim"}`))
	require.ErrorAs(t, err, &se)
	require.Equal(t, results.SchemaError{Missing: true}, *se)
	require.Equal(t, "results: run.json has no schema field: it was written by an older lowdim (this one reads schema 3)", err.Error())
}

func TestMarshalRunRefuses(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	for _, tc := range []struct {
		name string
		run  func() *results.Run
		want string
	}{
		{"nan seconds", func() *results.Run { r := linearRun(); r.Methods[0].Seconds = nan; return r },
			"methods[0].seconds is NaN"},
		{"inf pointer", func() *results.Run { r := linearRun(); r.Methods[0].FinalError = &inf; return r },
			"methods[0].final_recovery_error is +Inf"},
		{"checkpoint", func() *results.Run {
			r := linearRun()
			r.Methods[0].Trajectory[1].SingularValues[1] = nan
			return r
		}, "methods[0].trajectory[1].singular_values[1] is NaN"},
		{"mlp checkpoint", func() *results.Run {
			r := mlpRun()
			r.Methods[0].MLP.Trajectory[0].TestLoss = -inf
			return r
		}, "methods[0].mlp.trajectory[0].test_loss is -Inf"},
		{"ratio", func() *results.Run { r := mlpRun(); r.Ratios["cdln/dln"] = results.Ratio{Seconds: &nan}; return r },
			`ratios["cdln/dln"].seconds is NaN`},
		{"instance", func() *results.Run { r := linearRun(); r.Instance.StableEta = inf; return r },
			"instance.stable_eta is +Inf"},
		{"data", func() *results.Run { r := mlpRun(); r.Data.Std = &nan; return r },
			"data.std is NaN"},
		{"check", func() *results.Run { r := linearRun(); r.Checks[0].Observed = inf; return r },
			"checks[0].observed is +Inf"},
		{"no schema", func() *results.Run { r := linearRun(); r.Schema = 0; return r },
			"schema is 0, want 3"},
		{"no kind", func() *results.Run { r := linearRun(); r.Kind = ""; return r },
			`kind is "", want "linear" or "mlp"`},
		{"linear without config", func() *results.Run { r := linearRun(); r.Config = nil; return r },
			`config is missing from a run of kind "linear"`},
		{"linear with data", func() *results.Run { r := linearRun(); r.Data = mlpRun().Data; return r },
			`data is set in a run of kind "linear"`},
		{"mlp method without its part", func() *results.Run { r := mlpRun(); r.Methods[0].MLP = nil; return r },
			`methods[0].mlp is missing from a run of kind "mlp"`},
		{"linear method with an mlp part", func() *results.Run {
			r := linearRun()
			r.Methods[0].MLP = mlpRun().Methods[0].MLP
			return r
		}, `methods[0].mlp is set in a run of kind "linear"`},
		{"mlp method with a linear trajectory", func() *results.Run {
			r := mlpRun()
			r.Methods[0].Trajectory = linearRun().Methods[0].Trajectory
			return r
		}, `methods[0].trajectory is set in a run of kind "mlp"`},
		{"nil", func() *results.Run { return nil }, "no run"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, err := results.MarshalRun(tc.run())
			require.ErrorContains(t, err, tc.want)
			require.Nil(t, b)
		})
	}
}

func TestReader(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, b, 0o644))
		return p
	}
	lin, err := results.MarshalRun(linearRun())
	require.NoError(t, err)
	ml, err := results.MarshalRun(mlpRun())
	require.NoError(t, err)
	paths := []string{
		write("a.json", lin),
		write("old.json", edit(t, linearRun(), `"schema": 3,`, `"schema": 1,`)),
		write("bad.json", []byte("{")),
		write("b.json", ml),
	}
	r := results.NewReader(append(paths, filepath.Join(dir, "missing.json"), paths[0]))
	var got []string
	for r.Scan() {
		switch rec := r.Result().(type) {
		case *results.Run:
			got = append(got, string(rec.Kind))
		case *results.RunError:
			got = append(got, "error "+filepath.Base(rec.File))
			require.Contains(t, rec.Error(), rec.File)
		}
	}
	// The malformed files are records and reading goes on; the missing
	// file is an I/O error and stops it before the last path.
	require.Equal(t, []string{"linear", "error old.json", "error bad.json", "mlp"}, got)
	require.ErrorIs(t, r.Err(), os.ErrNotExist)
	require.Nil(t, r.Result())
	require.False(t, r.Scan())

	r = results.NewReader(paths[1:2])
	require.True(t, r.Scan())
	var se *results.SchemaError
	require.ErrorAs(t, r.Result().(*results.RunError), &se)
	require.Equal(t, 1, se.Found)
	require.False(t, r.Scan())
	require.NoError(t, r.Err())
}

// TestCheckAbsentIsNull: an absent figure of a check is null in JSON and
// reads back absent; a present one round-trips exactly; unknown fields of a
// check are errors.
func TestCheckAbsentIsNull(t *testing.T) {
	c := results.Check{Name: "n", Method: "m", Regime: "r", Quantity: "q", Observed: results.Absent, Predicted: 0, Tolerance: 0.5,
		Status: results.NotEvaluable, Detail: "d"}
	b, err := json.Marshal(c)
	require.NoError(t, err)
	require.Contains(t, string(b), `"observed":null`)
	require.Contains(t, string(b), `"predicted":0`, "a real 0 stays 0")
	var back results.Check
	require.NoError(t, json.Unmarshal(b, &back))
	require.True(t, results.IsAbsent(back.Observed))
	require.Equal(t, 0.0, back.Predicted)
	require.Equal(t, 0.5, back.Tolerance)
	require.Equal(t, results.NotEvaluable, back.Status)
	require.Error(t, json.Unmarshal([]byte(`{"name":"n","extra":1}`), &back), "unknown field")
	require.True(t, results.NotEvaluable != results.Skipped && !results.NotEvaluable.Evaluated() && results.Fail.Evaluated())
}
