package dbcore_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dtbase-go/dtbase/dbcore"
	"github.com/dtbase-go/dtbase/dbcore/dbtest"
)

func ptr[T any](v T) *T { return &v }

// forecastDB is a database holding sensor TRH1 of type TRH1 with Temperature (Degrees C, float),
// Humidity (null units, float) and Label (string), as the original's ARIMA tests set up.
func forecastDB(t *testing.T) *dbcore.DB {
	t.Helper()
	ctx := context.Background()
	db, err := dbcore.Open(ctx, dbtest.NewURL(t), dbcore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	err = db.InsertSensorType(ctx, dbcore.SensorType{Name: "TRH1", Measures: []dbcore.Measure{
		{Name: "Temperature", Units: ptr("Degrees C"), Datatype: dbcore.Float},
		{Name: "Humidity", Datatype: dbcore.Float},
		{Name: "Label", Units: ptr(""), Datatype: dbcore.String},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.InsertSensor(ctx, "TRH1", dbcore.Sensor{UniqueIdentifier: "TRH1"}); err != nil {
		t.Fatal(err)
	}
	return db
}

func TestForecastSource(t *testing.T) {
	ctx := context.Background()
	db := forecastDB(t)
	src, err := db.ForecastSource(ctx, "TRH1", "Temperature")
	if err != nil || src.Units == nil || *src.Units != "Degrees C" || src.Datatype != dbcore.Float {
		t.Fatalf("Temperature: %+v, %v", src, err)
	}
	if src, err := db.ForecastSource(ctx, "TRH1", "Humidity"); err != nil || src.Units != nil {
		t.Fatalf("Humidity: %+v, %v", src, err)
	}
	for _, tc := range []struct{ sensor, measure, want string }{
		{"nope", "Temperature", "Sensor does not exist"},
		{"TRH1", "Pressure", "not a measure of this sensor's type"},
	} {
		_, err := db.ForecastSource(ctx, tc.sensor, tc.measure)
		de, ok := dbcore.AsError(err)
		if !ok || de.Kind != dbcore.KindInvalid || !strings.Contains(de.Detail, tc.want) {
			t.Errorf("%s/%s: %v, want KindInvalid %q", tc.sensor, tc.measure, err, tc.want)
		}
	}
}

func forecastRun(created time.Time, units string) dbcore.ForecastRun {
	start := time.Date(2024, 3, 1, 17, 0, 0, 0, time.UTC)
	outputs := make([]dbcore.ModelOutput, 3)
	for i, name := range []string{"Mean Temperature", "Upper Bound Temperature", "Lower Bound Temperature"} {
		outputs[i].MeasureName = name
		for h := 0; h < 48; h++ {
			outputs[i].Timestamps = append(outputs[i].Timestamps, start.Add(time.Duration(h)*time.Hour))
			outputs[i].Values = append(outputs[i].Values, dbcore.Value{Type: dbcore.Float, F: 20 + float64(i) + float64(h)/10})
		}
	}
	return dbcore.ForecastRun{ModelName: "Arima", ScenarioDescription: "Business as usual", SensorUniqueID: "TRH1",
		SensorMeasureName: "Temperature", Units: units, TimeCreated: created, Outputs: outputs}
}

func TestInsertForecastRun(t *testing.T) {
	ctx := context.Background()
	db := forecastDB(t)
	created := time.Date(2024, 3, 1, 16, 5, 0, 0, time.UTC)
	id, err := db.InsertForecastRun(ctx, forecastRun(created, "Degrees C"))
	if err != nil {
		t.Fatal(err)
	}
	// A second run finds the model, scenario and measures the first created.
	id2, err := db.InsertForecastRun(ctx, forecastRun(created.Add(time.Hour), "Degrees C"))
	if err != nil || id2 == id {
		t.Fatalf("second run: %d, %v", id2, err)
	}
	models, _ := db.ListModels(ctx)
	scenarios, _ := db.ListScenarios(ctx)
	measures, _ := db.ListModelMeasures(ctx)
	if len(models) != 1 || models[0] != "Arima" || len(scenarios) != 1 || *scenarios[0].Description != "Business as usual" || len(measures) != 3 {
		t.Fatalf("models %v scenarios %v measures %v", models, scenarios, measures)
	}
	for _, m := range measures {
		if m.Units != "Degrees C" || m.Datatype != dbcore.Float {
			t.Errorf("measure %+v", m)
		}
	}
	runs, err := db.ListModelRuns(ctx, "Arima", created.Add(-time.Minute), created.Add(2*time.Hour), nil)
	if err != nil || len(runs) != 2 {
		t.Fatalf("runs %+v, %v", runs, err)
	}
	r := runs[0]
	if r.ID != id || *r.SensorUniqueID != "TRH1" || *r.SensorMeasure.Name != "Temperature" || *r.SensorMeasure.Units != "Degrees C" ||
		*r.ScenarioDescription != "Business as usual" {
		t.Fatalf("run %+v", r)
	}
	outs, err := db.GetRunOutputs(ctx, int64(id))
	if err != nil || len(outs) != 3 {
		t.Fatalf("outputs %v, %v", outs, err)
	}
	want := forecastRun(created, "")
	for i, o := range outs {
		if o.MeasureName != want.Outputs[i].MeasureName || len(o.Values) != 48 {
			t.Fatalf("output %d: %s, %d values", i, o.MeasureName, len(o.Values))
		}
		for h := range o.Values {
			if o.Values[h].F != want.Outputs[i].Values[h].F || !o.Timestamps[h].Equal(want.Outputs[i].Timestamps[h]) {
				t.Fatalf("output %s value %d: %v at %v", o.MeasureName, h, o.Values[h], o.Timestamps[h])
			}
		}
	}
	// The same model, scenario and time again is a conflict.
	if _, err := db.InsertForecastRun(ctx, forecastRun(created, "Degrees C")); !isKind(err, dbcore.KindConflict) {
		t.Fatalf("duplicate run: %v", err)
	}
}

func isKind(err error, k dbcore.Kind) bool {
	de, ok := dbcore.AsError(err)
	return ok && de.Kind == k
}

// TestInsertForecastRunAllOrNothing: a failure at any step leaves nothing behind, not even the model
// or the measures created before it.
func TestInsertForecastRunAllOrNothing(t *testing.T) {
	ctx := context.Background()
	db := forecastDB(t)
	created := time.Date(2024, 3, 1, 16, 5, 0, 0, time.UTC)
	bad := []struct {
		name  string
		setup func()
		run   dbcore.ForecastRun
		kind  dbcore.Kind
	}{
		{"unknown sensor", nil, func() dbcore.ForecastRun { r := forecastRun(created, "Degrees C"); r.SensorUniqueID = "X"; return r }(), dbcore.KindInvalid},
		{"measure not of the type", nil, func() dbcore.ForecastRun {
			r := forecastRun(created, "Degrees C")
			r.SensorMeasureName = "Pressure"
			return r
		}(), dbcore.KindInvalid},
		{"lengths differ", nil, func() dbcore.ForecastRun {
			r := forecastRun(created, "Degrees C")
			r.Outputs[2].Values = r.Outputs[2].Values[:3]
			return r
		}(), dbcore.KindInvalid},
		{"measure exists as integer", func() {
			if err := db.InsertModelMeasure(ctx, dbcore.ModelMeasure{Name: "Lower Bound Temperature", Units: "Degrees C", Datatype: dbcore.Integer}); err != nil {
				t.Fatal(err)
			}
		}, forecastRun(created, "Degrees C"), dbcore.KindConflict},
	}
	for _, tc := range bad {
		if tc.setup != nil {
			tc.setup()
		}
		if _, err := db.InsertForecastRun(ctx, tc.run); !isKind(err, tc.kind) {
			t.Errorf("%s: err = %v, want kind %v", tc.name, err, tc.kind)
		}
		models, _ := db.ListModels(ctx)
		scenarios, _ := db.ListScenarios(ctx)
		measures, _ := db.ListModelMeasures(ctx)
		if len(models) != 0 || len(scenarios) != 0 || len(measures) > 1 {
			t.Fatalf("%s left models %v scenarios %v measures %v", tc.name, models, scenarios, measures)
		}
	}
}

// TestInsertForecastRunConcurrent: runs of several sensors started together all land, creating the
// model, scenario and measures once.
func TestInsertForecastRunConcurrent(t *testing.T) {
	ctx := context.Background()
	db := forecastDB(t)
	created := time.Date(2024, 3, 1, 16, 5, 0, 0, time.UTC)
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = db.InsertForecastRun(ctx, forecastRun(created.Add(time.Duration(i)*time.Second), "Degrees C"))
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("run %d: %v", i, err)
		}
	}
	runs, _ := db.ListModelRuns(ctx, "Arima", created, created.Add(time.Minute), nil)
	scenarios, _ := db.ListScenarios(ctx)
	measures, _ := db.ListModelMeasures(ctx)
	if len(runs) != 8 || len(scenarios) != 1 || len(measures) != 3 {
		t.Fatalf("%d runs, scenarios %v, measures %v", len(runs), scenarios, measures)
	}
}
