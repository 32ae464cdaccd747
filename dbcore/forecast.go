package dbcore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// ForecastSource is the sensor measure a forecasting model reads: its units (possibly null) and
// datatype.
type ForecastSource struct {
	Units    *string
	Datatype Datatype
}

// ForecastSource resolves a sensor's measure by name. KindInvalid: unknown sensor, or a measure its
// type lacks; KindConflict: the type has two measures of that name.
func (db *DB) ForecastSource(ctx context.Context, uniqueID, measureName string) (ForecastSource, error) {
	sm, err := resolveSensorMeasure(ctx, db.pool, uniqueID, measureName)
	if err != nil {
		return ForecastSource{}, translate(err)
	}
	var src ForecastSource
	src.Datatype = sm.datatype
	if err := db.pool.QueryRow(ctx, `SELECT units FROM sensor_measure WHERE id = $1`, sm.measureID).Scan(&src.Units); err != nil {
		return ForecastSource{}, translate(fmt.Errorf("read units of measure %q: %w", measureName, err))
	}
	return src, nil
}

// ForecastRun is a forecasting model's output for one sensor measure.
type ForecastRun struct {
	ModelName           string
	ScenarioDescription string
	SensorUniqueID      string
	SensorMeasureName   string
	// Units of the model measures the outputs name (created as float measures when missing).
	Units       string
	TimeCreated time.Time
	Outputs     []ModelOutput
}

// InsertForecastRun writes a model run in one transaction: the model, its scenario and the model
// measures of the outputs are created when missing, and the run is linked to the sensor and its
// measure. Nothing is written when any step fails. KindInvalid: unknown sensor or measure, bad
// values; KindConflict: a run of the model and scenario exists at TimeCreated, or an output's
// measure name is taken by several units.
func (db *DB) InsertForecastRun(ctx context.Context, run ForecastRun) (int32, error) {
	var runID int32
	err := db.transact(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO model (name) VALUES ($1) ON CONFLICT (name) DO NOTHING`, run.ModelName); err != nil {
			return fmt.Errorf("insert model %q: %w", run.ModelName, err)
		}
		mid, err := modelID(ctx, tx, run.ModelName)
		if err != nil {
			return err
		}
		scenarioID, err := ensureScenario(ctx, tx, mid, run.ModelName, run.ScenarioDescription)
		if err != nil {
			return err
		}
		for _, out := range run.Outputs {
			units := run.Units
			m := Measure{Name: out.MeasureName, Units: &units, Datatype: Float}
			if _, err := findOrCreateMeasure(ctx, tx, "model_measure", "Model measure", m); err != nil {
				return err
			}
		}
		sm, err := resolveSensorMeasure(ctx, tx, run.SensorUniqueID, run.SensorMeasureName)
		if err != nil {
			return err
		}
		runID, err = insertRun(ctx, tx, mid, scenarioID, &sm.sensorID, &sm.measureID, run.TimeCreated, run.Outputs)
		return err
	})
	return runID, err
}

// ensureScenario returns the id of the model's scenario with the description, creating it when
// missing; a scenario created meanwhile by another transaction is found on the second look.
func ensureScenario(ctx context.Context, tx pgx.Tx, modelID int32, modelName, description string) (int32, error) {
	find := func() (int32, error) {
		var id int32
		err := tx.QueryRow(ctx, `SELECT id FROM model_scenario WHERE model_id = $1 AND description = $2 ORDER BY id LIMIT 1`,
			modelID, description).Scan(&id)
		return id, err
	}
	id, err := find()
	if !errors.Is(err, pgx.ErrNoRows) {
		if err != nil {
			return 0, fmt.Errorf("find scenario: %w", err)
		}
		return id, nil
	}
	id, err = insertScenario(ctx, tx, modelName, &description)
	if de, ok := AsError(err); ok && de.Kind == KindConflict {
		if id, err = find(); err != nil {
			return 0, fmt.Errorf("find scenario: %w", err)
		}
	}
	return id, err
}
