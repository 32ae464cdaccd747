package dbcore_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/dtbase-go/dtbase/dbcore"
	"github.com/dtbase-go/dtbase/dbcore/dbtest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

func TestMigrateIsIdempotent(t *testing.T) {
	ctx := context.Background()
	db, err := dbcore.Open(ctx, dbtest.NewEmptyURL(t), dbcore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	n, err := db.Migrate(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if n == 0 {
		t.Fatal("first migrate applied nothing")
	}
	if n, err = db.Migrate(ctx); err != nil || n != 0 {
		t.Fatalf("second migrate applied %d, err %v; want 0, nil", n, err)
	}
	st, err := db.MigrationStatuses(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range st {
		if !s.Applied {
			t.Errorf("migration %d not applied", s.Version)
		}
	}
}

// TestAdoptDuplicateNullUnitsOfOtherDatatype: the original can hold (name, NULL) measures of
// different datatypes; the migration cannot merge those, so it renames the later one and its
// readings stay readable.
func TestAdoptDuplicateNullUnitsOfOtherDatatype(t *testing.T) {
	ctx := context.Background()
	url := dbtest.NewEmptyURL(t)
	original, err := os.ReadFile("testdata/dtbase_original.sql")
	if err != nil {
		t.Fatal(err)
	}
	dbtest.Exec(t, url, string(original))
	dbtest.Exec(t, url, `
		INSERT INTO sensor_measure (id, name, units, datatype) VALUES (1000, 'door_open', NULL, 'integer');
		INSERT INTO sensor_type (id, name) VALUES (1000, 'counter');
		INSERT INTO sensor_type_measure_relation (type_id, measure_id) VALUES (1000, 1000);
		INSERT INTO sensor (id, type_id, unique_identifier) VALUES (1000, 1000, 'COUNTER-1');
		INSERT INTO sensor_integer_reading (value, measure_id, sensor_id, timestamp) VALUES (7, 1000, 1000, '2024-01-01T00:00:00Z');`)
	db, err := dbcore.Open(ctx, url, dbcore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	var got []dbcore.Value
	err = db.StreamReadings(ctx, dbcore.ReadingsQuery{UniqueID: "COUNTER-1", MeasureName: "door_open (integer)",
		From: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2024, 1, 2, 0, 0, 0, 0, time.UTC)},
		func() error { return nil }, func(_ time.Time, v dbcore.Value) error { got = append(got, v); return nil })
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Type != dbcore.Integer || got[0].I != 7 {
		t.Fatalf("readings of the renamed measure = %+v, want one integer 7", got)
	}
}
