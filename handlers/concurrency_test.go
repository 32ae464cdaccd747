package handlers_test

import (
	"context"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/dtbase-go/dtbase/dbcore"
)

// TestConcurrentOverlappingIngest: 8 writers send overlapping batches (in shuffled order) for one
// sensor and measure. Every batch is accepted, nothing deadlocks, and the stored readings are
// exactly the union, each with the one value all writers send for its timestamp.
func TestConcurrentOverlappingIngest(t *testing.T) {
	a := newAPI(t)
	a.post("/api/sensor/insert-sensor-type", map[string]any{"name": "t", "measures": []any{map[string]any{"name": "m", "units": nil, "datatype": "float"}}}).expect(201, "")
	a.post("/api/sensor/insert-sensor", map[string]any{"type_name": "t", "unique_identifier": "s"}).expect(201, "")
	t0 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	const writers, batches, size, span = 8, 12, 200, 1000 // batches start anywhere in [0, span)
	var wg sync.WaitGroup
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(w), 7))
			for b := 0; b < batches; b++ {
				start := rng.IntN(span)
				idx := rng.Perm(size)
				values, stamps := make([]float64, size), make([]string, size)
				for i, k := range idx {
					sec := start + k
					values[i] = float64(sec) / 4
					stamps[i] = t0.Add(time.Duration(sec) * time.Second).Format(time.RFC3339)
				}
				res := a.do("POST", "/api/sensor/insert-sensor-readings", map[string]any{"unique_identifier": "s", "measure_name": "m",
					"readings": values, "timestamps": stamps}, a.Token)
				if res.Status != 201 {
					t.Errorf("writer %d batch %d: %d %s", w, b, res.Status, res.Body)
				}
			}
		}()
	}
	wg.Wait()
	// Recompute the union the writers sent.
	want := map[int]bool{}
	for w := 0; w < writers; w++ {
		rng := rand.New(rand.NewPCG(uint64(w), 7))
		for b := 0; b < batches; b++ {
			start := rng.IntN(span)
			rng.Perm(size)
			for k := 0; k < size; k++ {
				want[start+k] = true
			}
		}
	}
	got := 0
	err := a.DB.StreamReadings(context.Background(), dbcore.ReadingsQuery{UniqueID: "s", MeasureName: "m", From: t0, To: t0.Add(time.Hour)},
		func() error { return nil }, func(ts time.Time, v dbcore.Value) error {
			sec := int(ts.Sub(t0) / time.Second)
			if !want[sec] || v.F != float64(sec)/4 {
				t.Errorf("unexpected reading %v = %v", ts, v.F)
			}
			got++
			return nil
		})
	if err != nil {
		t.Fatal(err)
	}
	if got != len(want) {
		t.Fatalf("%d readings stored, want the union of %d", got, len(want))
	}
}

// TestConcurrentCreateDeleteRaces: many clients create and delete the same names at once. Every
// answer is a documented one (never a 500) and the final state matches the last successful calls.
func TestConcurrentCreateDeleteRaces(t *testing.T) {
	a := newAPI(t)
	type call struct {
		path string
		body map[string]any
		ok   []int
	}
	calls := []call{
		{"/api/sensor/insert-sensor-type", map[string]any{"name": "race", "measures": []any{map[string]any{"name": "new m", "units": nil, "datatype": "float"}}}, []int{201, 409}},
		{"/api/sensor/delete-sensor-type", map[string]any{"type_name": "race"}, []int{200, 400, 409}},
		{"/api/sensor/insert-sensor", map[string]any{"type_name": "race", "unique_identifier": "r1"}, []int{201, 400, 409}},
		{"/api/sensor/delete-sensor", map[string]any{"unique_identifier": "r1"}, []int{200, 400}},
		{"/api/model/insert-model", map[string]any{"name": "race"}, []int{201, 409}},
		{"/api/model/delete-model", map[string]any{"name": "race"}, []int{200, 400, 409}},
		{"/api/location/insert-location", map[string]any{"identifiers": []any{map[string]any{"name": "rx", "units": nil, "datatype": "integer"}}, "values": []any{1}}, []int{201, 409}},
		{"/api/location/delete-location", map[string]any{"schema_name": "rx", "coordinates": map[string]any{"rx": 1}}, []int{200, 400, 409}},
		{"/api/service/insert-service", map[string]any{"name": "race", "url": "http://127.0.0.1:9/", "http_method": "GET"}, []int{201, 409}},
		{"/api/service/delete-service", map[string]any{"name": "race"}, []int{200, 400}},
		{"/api/user/create-user", map[string]any{"email": "race@x.y", "password": ""}, []int{201, 409}},
		{"/api/user/delete-user", map[string]any{"email": "race@x.y"}, []int{200, 400}},
	}
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(g), 11))
			for i := 0; i < 30; i++ {
				c := calls[rng.IntN(len(calls))]
				res := a.post(c.path, c.body)
				allowed := false
				for _, s := range c.ok {
					allowed = allowed || res.Status == s
				}
				if !allowed {
					t.Errorf("%s: %d %s", c.path, res.Status, res.Body)
				}
			}
		}()
	}
	wg.Wait()
	// The database is consistent: listing every kind of object works.
	for _, p := range []string{"/api/sensor/list-sensor-types", "/api/sensor/list-measures", "/api/location/list-location-schemas", "/api/model/list-models", "/api/service/list-services", "/api/user/list-users"} {
		a.get(p).expect(200, "")
	}
}
