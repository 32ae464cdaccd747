package dbcore

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/jackc/pgx/v5"
)

// Scenario is a model scenario; its description may be null.
type Scenario struct {
	ModelName   string  `json:"model_name"`
	Description *string `json:"description"`
}

// ModelMeasure is a measure that model runs produce; units are never null.
type ModelMeasure struct {
	Name     string   `json:"name"`
	Units    string   `json:"units"`
	Datatype Datatype `json:"datatype"`
}

// MeasureRef names a sensor measure by name and units.
type MeasureRef struct {
	Name  *string `json:"name"`
	Units *string `json:"units"`
}

// ModelRun is a run as list-model-runs shows it, keys in the original's order.
type ModelRun struct {
	ID                  int32       `json:"id"`
	ModelID             int32       `json:"model_id"`
	ModelName           string      `json:"model_name"`
	ScenarioID          *int32      `json:"scenario_id"`
	ScenarioDescription *string     `json:"scenario_description"`
	TimeCreated         time.Time   `json:"-"`
	SensorUniqueID      *string     `json:"sensor_unique_id"`
	SensorMeasure       *MeasureRef `json:"sensor_measure"`
}

// ModelOutput is one measure's values in a new run.
type ModelOutput struct {
	MeasureName string
	Values      []Value
	Timestamps  []time.Time
}

// NewModelRun is the input of InsertModelRun.
type NewModelRun struct {
	ModelName           string
	ScenarioDescription string
	Outputs             []ModelOutput
	TimeCreated         time.Time
	CreateScenario      bool
	SensorUniqueID      *string
	SensorMeasure       *Measure // Datatype unused
}

// InsertModel creates a model. KindConflict: the name is taken.
func (db *DB) InsertModel(ctx context.Context, name string) error {
	tag, err := db.pool.Exec(ctx, `INSERT INTO model (name) VALUES ($1) ON CONFLICT (name) DO NOTHING`, name)
	if err != nil {
		return translate(fmt.Errorf("insert model %q: %w", name, err))
	}
	if tag.RowsAffected() == 0 {
		return Conflictf("Model exists already")
	}
	return nil
}

// ListModels returns the model names in creation order.
func (db *DB) ListModels(ctx context.Context) ([]string, error) {
	rows, _ := db.pool.Query(ctx, `SELECT name FROM model ORDER BY id`)
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, translate(fmt.Errorf("list models: %w", err))
	}
	return names, nil
}

func modelID(ctx context.Context, q querier, name string) (int32, error) {
	var id int32
	err := q.QueryRow(ctx, `SELECT id FROM model WHERE name = $1`, name).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, Invalidf("Model does not exist")
	}
	if err != nil {
		return 0, fmt.Errorf("find model %q: %w", name, err)
	}
	return id, nil
}

// DeleteModel deletes a model and its scenarios. KindInvalid: unknown model; KindConflict: runs exist.
func (db *DB) DeleteModel(ctx context.Context, name string) error {
	return db.transact(ctx, func(tx pgx.Tx) error {
		var id int32
		var used bool
		err := tx.QueryRow(ctx, `SELECT id, EXISTS (SELECT 1 FROM model_run WHERE model_id = model.id)
			FROM model WHERE name = $1 FOR UPDATE`, name).Scan(&id, &used)
		if errors.Is(err, pgx.ErrNoRows) {
			return Invalidf("Model does not exist")
		}
		if err != nil {
			return fmt.Errorf("find model %q: %w", name, err)
		}
		if used {
			return Conflictf("Model is referenced by model runs")
		}
		_, err = tx.Exec(ctx, `DELETE FROM model WHERE id = $1`, id)
		return err
	})
}

// InsertScenario creates a scenario of a model. KindInvalid: unknown model; KindConflict: the model
// has a scenario with this description (null included).
func (db *DB) InsertScenario(ctx context.Context, modelName string, description *string) error {
	return db.transact(ctx, func(tx pgx.Tx) error {
		_, err := insertScenario(ctx, tx, modelName, description)
		return err
	})
}

func insertScenario(ctx context.Context, tx pgx.Tx, modelName string, description *string) (int32, error) {
	var id int32
	err := tx.QueryRow(ctx, `SELECT id FROM model WHERE name = $1 FOR UPDATE`, modelName).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, Invalidf("Model does not exist")
	}
	if err != nil {
		return 0, fmt.Errorf("find model %q: %w", modelName, err)
	}
	var scenarioID int32
	err = tx.QueryRow(ctx, `INSERT INTO model_scenario (model_id, description)
		SELECT $1, $2 WHERE NOT EXISTS (SELECT 1 FROM model_scenario WHERE model_id = $1 AND description IS NOT DISTINCT FROM $2)
		RETURNING id`, id, description).Scan(&scenarioID)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, Conflictf("Scenario exists already")
	}
	if err != nil {
		return 0, fmt.Errorf("insert scenario: %w", err)
	}
	return scenarioID, nil
}

// ListScenarios returns every scenario in creation order.
func (db *DB) ListScenarios(ctx context.Context) ([]Scenario, error) {
	rows, _ := db.pool.Query(ctx, `SELECT m.name, s.description FROM model_scenario s JOIN model m ON m.id = s.model_id ORDER BY s.id`)
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (Scenario, error) {
		var s Scenario
		err := row.Scan(&s.ModelName, &s.Description)
		return s, err
	})
	if err != nil {
		return nil, translate(fmt.Errorf("list scenarios: %w", err))
	}
	return out, nil
}

// DeleteScenario deletes a scenario. KindInvalid: unknown model or scenario; KindConflict: runs exist.
func (db *DB) DeleteScenario(ctx context.Context, modelName string, description *string) error {
	return db.transact(ctx, func(tx pgx.Tx) error {
		mid, err := modelID(ctx, tx, modelName)
		if err != nil {
			return err
		}
		var id int32
		var used bool
		err = tx.QueryRow(ctx, `SELECT id, EXISTS (SELECT 1 FROM model_run WHERE scenario_id = model_scenario.id)
			FROM model_scenario WHERE model_id = $1 AND description IS NOT DISTINCT FROM $2
			ORDER BY id LIMIT 1 FOR UPDATE`, mid, description).Scan(&id, &used)
		if errors.Is(err, pgx.ErrNoRows) {
			return Invalidf("Scenario does not exist")
		}
		if err != nil {
			return fmt.Errorf("find scenario: %w", err)
		}
		if used {
			return Conflictf("Scenario is referenced by model runs")
		}
		_, err = tx.Exec(ctx, `DELETE FROM model_scenario WHERE id = $1`, id)
		return err
	})
}

// InsertModelMeasure creates a model measure. KindConflict: (name, units) exists.
func (db *DB) InsertModelMeasure(ctx context.Context, m ModelMeasure) error {
	tag, err := db.pool.Exec(ctx, `INSERT INTO model_measure (name, units, datatype) VALUES ($1, $2, $3)
		ON CONFLICT (name, units) DO NOTHING`, m.Name, m.Units, m.Datatype)
	if err != nil {
		return translate(fmt.Errorf("insert model measure %q: %w", m.Name, err))
	}
	if tag.RowsAffected() == 0 {
		return Conflictf("Model measure exists already")
	}
	return nil
}

// ListModelMeasures returns every model measure in creation order.
func (db *DB) ListModelMeasures(ctx context.Context) ([]ModelMeasure, error) {
	rows, _ := db.pool.Query(ctx, `SELECT coalesce(name, ''), units, datatype FROM model_measure ORDER BY id`)
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (ModelMeasure, error) {
		var m ModelMeasure
		err := row.Scan(&m.Name, &m.Units, &m.Datatype)
		return m, err
	})
	if err != nil {
		return nil, translate(fmt.Errorf("list model measures: %w", err))
	}
	return out, nil
}

// DeleteModelMeasure deletes every model measure with the name, whatever its units. KindInvalid:
// none has the name; KindConflict: runs produced values for it.
func (db *DB) DeleteModelMeasure(ctx context.Context, name string) error {
	return db.transact(ctx, func(tx pgx.Tx) error {
		var n int
		var used bool
		err := tx.QueryRow(ctx, `SELECT count(*), coalesce(bool_or(EXISTS (SELECT 1 FROM model_product p WHERE p.measure_id = m.id)), false)
			FROM model_measure m WHERE name = $1`, name).Scan(&n, &used)
		if err != nil {
			return fmt.Errorf("find model measure %q: %w", name, err)
		}
		if n == 0 {
			return Invalidf("Model measure does not exist")
		}
		if used {
			return Conflictf("Model measure is referenced by model runs")
		}
		_, err = tx.Exec(ctx, `DELETE FROM model_measure WHERE name = $1`, name)
		return err
	})
}

// InsertModelRun stores a run with all its outputs in one transaction and returns its id.
// KindInvalid: unknown model, scenario (without CreateScenario), sensor, sensor measure or model
// measure, mismatched lengths or bad values. KindConflict: the run exists, a measure is listed twice,
// or a model measure name is ambiguous.
func (db *DB) InsertModelRun(ctx context.Context, run NewModelRun) (int32, error) {
	var runID int32
	err := db.transact(ctx, func(tx pgx.Tx) error {
		mid, err := modelID(ctx, tx, run.ModelName)
		if err != nil {
			return err
		}
		var scenarioID int32
		err = tx.QueryRow(ctx, `SELECT id FROM model_scenario WHERE model_id = $1 AND description = $2 ORDER BY id LIMIT 1`,
			mid, run.ScenarioDescription).Scan(&scenarioID)
		switch {
		case errors.Is(err, pgx.ErrNoRows) && run.CreateScenario:
			if scenarioID, err = insertScenario(ctx, tx, run.ModelName, &run.ScenarioDescription); err != nil {
				return err
			}
		case errors.Is(err, pgx.ErrNoRows):
			return Invalidf("Scenario does not exist (set create_scenario to create it)")
		case err != nil:
			return fmt.Errorf("find scenario: %w", err)
		}
		var sensorID, sensorTypeID, measureID *int32
		if run.SensorUniqueID != nil {
			var id, typeID int32
			err := tx.QueryRow(ctx, `SELECT id, type_id FROM sensor WHERE unique_identifier = $1`, *run.SensorUniqueID).Scan(&id, &typeID)
			if errors.Is(err, pgx.ErrNoRows) {
				return Invalidf("Sensor does not exist")
			}
			if err != nil {
				return fmt.Errorf("find sensor: %w", err)
			}
			sensorID, sensorTypeID = &id, &typeID
		}
		if m := run.SensorMeasure; m != nil {
			var id int32
			err := tx.QueryRow(ctx, `SELECT id FROM sensor_measure WHERE name = $1 AND units IS NOT DISTINCT FROM $2`, m.Name, m.Units).Scan(&id)
			if errors.Is(err, pgx.ErrNoRows) {
				return Invalidf("Sensor measure does not exist")
			}
			if err != nil {
				return fmt.Errorf("find sensor measure: %w", err)
			}
			measureID = &id
			if sensorTypeID != nil {
				var ofType bool
				if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM sensor_type_measure_relation WHERE type_id = $1 AND measure_id = $2)`,
					*sensorTypeID, id).Scan(&ofType); err != nil {
					return fmt.Errorf("check sensor measure: %w", err)
				}
				if !ofType {
					return Invalidf("Sensor measure '%s' is not a measure of the sensor's type", m.Name)
				}
			}
		}
		runID, err = insertRun(ctx, tx, mid, scenarioID, sensorID, measureID, run.TimeCreated, run.Outputs)
		return err
	})
	return runID, err
}

// insertRun creates a model run with its outputs. KindConflict: the run exists (same model,
// scenario and time), or a measure is listed twice.
func insertRun(ctx context.Context, tx pgx.Tx, modelID, scenarioID int32, sensorID, measureID *int32, created time.Time, outputs []ModelOutput) (int32, error) {
	var runID int32
	err := tx.QueryRow(ctx, `INSERT INTO model_run (model_id, scenario_id, sensor_id, sensor_measure_id, time_created)
		VALUES ($1, $2, $3, $4, $5) ON CONFLICT (model_id, scenario_id, time_created) DO NOTHING RETURNING id`,
		modelID, scenarioID, sensorID, measureID, created).Scan(&runID)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, Conflictf("Model run exists already for this model, scenario and time_created")
	}
	if err != nil {
		return 0, fmt.Errorf("insert model run: %w", err)
	}
	seen := map[string]bool{}
	for _, out := range outputs {
		if seen[out.MeasureName] {
			return 0, Conflictf("Measure '%s' is listed twice in one run", out.MeasureName)
		}
		seen[out.MeasureName] = true
		if err := insertOutput(ctx, tx, runID, out); err != nil {
			return 0, err
		}
	}
	return runID, nil
}

func insertOutput(ctx context.Context, tx pgx.Tx, runID int32, out ModelOutput) error {
	if len(out.Values) != len(out.Timestamps) {
		return Invalidf("Measure '%s': got %d values but %d timestamps", out.MeasureName, len(out.Values), len(out.Timestamps))
	}
	rows, _ := tx.Query(ctx, `SELECT id, datatype FROM model_measure WHERE name = $1 ORDER BY id`, out.MeasureName)
	type measure struct {
		id int32
		d  Datatype
	}
	ms, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (measure, error) {
		var m measure
		err := row.Scan(&m.id, &m.d)
		return m, err
	})
	if err != nil {
		return fmt.Errorf("find model measure %q: %w", out.MeasureName, err)
	}
	switch len(ms) {
	case 0:
		return Invalidf("Model measure '%s' does not exist", out.MeasureName)
	case 1:
	default:
		return Conflictf("Ambiguous model measure name '%s'; several units exist", out.MeasureName)
	}
	column, err := valueColumn(out.Values, ms[0].d, "Value", out.MeasureName)
	if err != nil {
		return err
	}
	var productID int32
	if err := tx.QueryRow(ctx, `INSERT INTO model_product (run_id, measure_id) VALUES ($1, $2) RETURNING id`, runID, ms[0].id).Scan(&productID); err != nil {
		return fmt.Errorf("insert model product: %w", err)
	}
	if len(out.Values) == 0 {
		return nil
	}
	_, err = tx.Exec(ctx, `INSERT INTO `+modelValueTable(ms[0].d)+` (product_id, timestamp, value)
		SELECT $1, t, v FROM unnest($2::timestamptz[], $3::`+sqlArrayType(ms[0].d)+`) AS u(t, v)
		ON CONFLICT DO NOTHING`, productID, out.Timestamps, column)
	if err != nil {
		return fmt.Errorf("insert values of %q: %w", out.MeasureName, err)
	}
	return nil
}

const modelRunColumns = `r.id, r.model_id, m.name, r.scenario_id, sc.description, r.time_created,
	s.unique_identifier, sm.id IS NOT NULL, sm.name, sm.units`

const modelRunJoins = `FROM model_run r JOIN model m ON m.id = r.model_id
	LEFT JOIN model_scenario sc ON sc.id = r.scenario_id
	LEFT JOIN sensor s ON s.id = r.sensor_id
	LEFT JOIN sensor_measure sm ON sm.id = r.sensor_measure_id`

func scanModelRun(row pgx.CollectableRow) (ModelRun, error) {
	var r ModelRun
	var hasMeasure bool
	var m MeasureRef
	var created *time.Time
	err := row.Scan(&r.ID, &r.ModelID, &r.ModelName, &r.ScenarioID, &r.ScenarioDescription, &created,
		&r.SensorUniqueID, &hasMeasure, &m.Name, &m.Units)
	if created != nil {
		r.TimeCreated = *created
	}
	if hasMeasure {
		r.SensorMeasure = &m
	}
	return r, err
}

// ListModelRuns returns a model's runs created between from and to inclusive, of one scenario
// when scenario is not nil, by id. An unknown model has none.
func (db *DB) ListModelRuns(ctx context.Context, modelName string, from, to time.Time, scenario *string) ([]ModelRun, error) {
	rows, _ := db.pool.Query(ctx, `SELECT `+modelRunColumns+` `+modelRunJoins+`
		WHERE m.name = $1 AND r.time_created BETWEEN $2 AND $3 AND ($4::text IS NULL OR sc.description = $4)
		ORDER BY r.id`, modelName, from, to, scenario)
	runs, err := pgx.CollectRows(rows, scanModelRun)
	if err != nil {
		return nil, translate(fmt.Errorf("list model runs of %q: %w", modelName, err))
	}
	return runs, nil
}

// isRunID reports whether id fits model_run.id, a 32-bit serial; a larger id names no run, and
// PostgreSQL would refuse it as an integer parameter.
func isRunID(id int64) bool { return id >= math.MinInt32 && id <= math.MaxInt32 }

// GetModelRun returns one run. KindInvalid "No such model run" when there is none.
func (db *DB) GetModelRun(ctx context.Context, id int64) (ModelRun, error) {
	if !isRunID(id) {
		return ModelRun{}, Invalidf("No such model run")
	}
	rows, _ := db.pool.Query(ctx, `SELECT `+modelRunColumns+` `+modelRunJoins+` WHERE r.id = $1`, id)
	run, err := pgx.CollectExactlyOneRow(rows, scanModelRun)
	if errors.Is(err, pgx.ErrNoRows) {
		return run, Invalidf("No such model run")
	}
	return run, translate(err)
}

// RunOutput is one measure of a run with its values in timestamp order.
type RunOutput struct {
	MeasureName string
	Timestamps  []time.Time
	Values      []Value
}

// GetRunOutputs returns the outputs of a run, by product; an unknown run has none.
func (db *DB) GetRunOutputs(ctx context.Context, runID int64) ([]RunOutput, error) {
	if !isRunID(runID) {
		return nil, nil
	}
	rows, _ := db.pool.Query(ctx, `SELECT p.id, coalesce(m.name, ''), m.datatype FROM model_product p
		JOIN model_measure m ON m.id = p.measure_id WHERE p.run_id = $1 ORDER BY p.id`, runID)
	type product struct {
		id   int32
		name string
		d    Datatype
	}
	products, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (product, error) {
		var p product
		err := row.Scan(&p.id, &p.name, &p.d)
		return p, err
	})
	if err != nil {
		return nil, translate(fmt.Errorf("read run %d: %w", runID, err))
	}
	out := make([]RunOutput, len(products))
	for i, p := range products {
		out[i].MeasureName = p.name
		rows, err := db.pool.Query(ctx, `SELECT timestamp, value FROM `+modelValueTable(p.d)+` WHERE product_id = $1 ORDER BY timestamp`, p.id)
		if err != nil {
			return nil, translate(fmt.Errorf("read values of run %d: %w", runID, err))
		}
		err = streamValues(rows, p.d, func() error { return nil }, func(t time.Time, v Value) error {
			out[i].Timestamps = append(out[i].Timestamps, t)
			out[i].Values = append(out[i].Values, v)
			return nil
		})
		if err != nil {
			return nil, translate(err)
		}
	}
	return out, nil
}
