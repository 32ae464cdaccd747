package dbcore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Measure is a sensor measure or a location identifier: a name, optional units and a datatype.
type Measure struct {
	Name     string   `json:"name"`
	Units    *string  `json:"units"`
	Datatype Datatype `json:"datatype"`
}

func (m Measure) key() string {
	if m.Units == nil {
		return m.Name + "\x00null"
	}
	return m.Name + "\x00=" + *m.Units
}

// SensorType is a named kind of sensor with its measures.
type SensorType struct {
	Name        string    `json:"name"`
	Description *string   `json:"description"`
	Measures    []Measure `json:"measures"`
}

// Sensor is one sensor. The original answers only the first three keys; the others are additive.
type Sensor struct {
	UniqueIdentifier string    `json:"unique_identifier"`
	Name             *string   `json:"name"`
	Notes            *string   `json:"notes"`
	ID               int32     `json:"id"`
	TypeName         string    `json:"sensor_type_name"`
	TimeCreated      time.Time `json:"-"`
}

// findOrCreateMeasure returns the id of the (name, units) row in table, creating it with datatype when
// missing. An existing row with another datatype is a conflict (api-contract.md §4.7).
func findOrCreateMeasure(ctx context.Context, tx pgx.Tx, table, what string, m Measure) (int32, error) {
	var id int32
	var dt Datatype
	err := tx.QueryRow(ctx, `INSERT INTO `+table+` (name, units, datatype) VALUES ($1, $2, $3)
		ON CONFLICT ON CONSTRAINT `+table+`_name_units_key DO NOTHING RETURNING id`, m.Name, m.Units, m.Datatype).Scan(&id)
	if err == nil {
		return id, nil
	}
	if !errors.Is(err, pgx.ErrNoRows) {
		return 0, fmt.Errorf("insert %s %q: %w", what, m.Name, err)
	}
	err = tx.QueryRow(ctx, `SELECT id, datatype FROM `+table+` WHERE name = $1 AND units IS NOT DISTINCT FROM $2`, m.Name, m.Units).Scan(&id, &dt)
	if err != nil {
		return 0, fmt.Errorf("find %s %q: %w", what, m.Name, err)
	}
	if dt != m.Datatype {
		return 0, Conflictf("%s '%s' exists with a different datatype (%s)", what, m.Name, dt)
	}
	return id, nil
}

// InsertSensorType creates a sensor type, finding or creating each of its measures, in one
// transaction. KindConflict: the name is taken, a measure is listed twice, or a measure exists with
// another datatype.
func (db *DB) InsertSensorType(ctx context.Context, t SensorType) error {
	return db.transact(ctx, func(tx pgx.Tx) error {
		var typeID int32
		err := tx.QueryRow(ctx, `INSERT INTO sensor_type (name, description) VALUES ($1, $2)
			ON CONFLICT (name) DO NOTHING RETURNING id`, t.Name, t.Description).Scan(&typeID)
		if errors.Is(err, pgx.ErrNoRows) {
			return Conflictf("Sensor type exists already")
		}
		if err != nil {
			return fmt.Errorf("insert sensor type %q: %w", t.Name, err)
		}
		seen := make(map[string]bool, len(t.Measures))
		for _, m := range t.Measures {
			if seen[m.key()] {
				// The original's text for a measure listed twice (api-contract.md §2.4).
				return Conflictf("Sensor type exists already")
			}
			seen[m.key()] = true
			measureID, err := findOrCreateMeasure(ctx, tx, "sensor_measure", "Sensor measure", m)
			if err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `INSERT INTO sensor_type_measure_relation (type_id, measure_id) VALUES ($1, $2)`, typeID, measureID); err != nil {
				return fmt.Errorf("link measure %q: %w", m.Name, err)
			}
		}
		return nil
	})
}

// ListSensorTypes returns every sensor type with its measures, types and measures in creation order.
func (db *DB) ListSensorTypes(ctx context.Context) ([]SensorType, error) {
	rows, err := db.pool.Query(ctx, `SELECT t.id, t.name, t.description, m.name, m.units, m.datatype
		FROM sensor_type t
		LEFT JOIN sensor_type_measure_relation r ON r.type_id = t.id
		LEFT JOIN sensor_measure m ON m.id = r.measure_id
		ORDER BY t.id, r.id`)
	if err != nil {
		return nil, translate(fmt.Errorf("list sensor types: %w", err))
	}
	defer rows.Close()
	types := []SensorType{}
	lastID := int32(-1)
	for rows.Next() {
		var id int32
		var t SensorType
		var name, units *string
		var dt *Datatype
		if err := rows.Scan(&id, &t.Name, &t.Description, &name, &units, &dt); err != nil {
			return nil, translate(fmt.Errorf("list sensor types: %w", err))
		}
		if id != lastID {
			t.Measures = []Measure{}
			types = append(types, t)
			lastID = id
		}
		if name != nil {
			last := &types[len(types)-1]
			last.Measures = append(last.Measures, Measure{Name: *name, Units: units, Datatype: *dt})
		}
	}
	if err := rows.Err(); err != nil {
		return nil, translate(fmt.Errorf("list sensor types: %w", err))
	}
	return types, nil
}

// ListSensorMeasures returns every sensor measure in creation order.
func (db *DB) ListSensorMeasures(ctx context.Context) ([]Measure, error) {
	return listMeasures(ctx, db, "sensor_measure")
}

func listMeasures(ctx context.Context, db *DB, table string) ([]Measure, error) {
	rows, _ := db.pool.Query(ctx, `SELECT name, units, datatype FROM `+table+` ORDER BY id`)
	ms, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (Measure, error) {
		var m Measure
		err := row.Scan(&m.Name, &m.Units, &m.Datatype)
		return m, err
	})
	if err != nil {
		return nil, translate(fmt.Errorf("list %s: %w", table, err))
	}
	return ms, nil
}

// InsertSensor creates a sensor of an existing type. KindInvalid: unknown type; KindConflict: the
// unique identifier is taken.
func (db *DB) InsertSensor(ctx context.Context, typeName string, s Sensor) error {
	tag, err := db.pool.Exec(ctx, `WITH t AS (SELECT id FROM sensor_type WHERE name = $1)
		INSERT INTO sensor (type_id, unique_identifier, name, notes)
		SELECT t.id, $2, $3, $4 FROM t
		ON CONFLICT (unique_identifier) DO NOTHING`, typeName, s.UniqueIdentifier, s.Name, s.Notes)
	if err != nil {
		return translate(fmt.Errorf("insert sensor %q: %w", s.UniqueIdentifier, err))
	}
	if tag.RowsAffected() == 1 {
		return nil
	}
	var typeExists bool
	if err := db.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM sensor_type WHERE name = $1)`, typeName).Scan(&typeExists); err != nil {
		return translate(fmt.Errorf("check sensor type %q: %w", typeName, err))
	}
	if !typeExists {
		return Invalidf("Sensor type does not exist")
	}
	return Conflictf("Sensor exists already")
}

// ListSensors returns the sensors, of one type when typeName is not nil, in creation order.
func (db *DB) ListSensors(ctx context.Context, typeName *string) ([]Sensor, error) {
	rows, _ := db.pool.Query(ctx, `SELECT s.unique_identifier, s.name, s.notes, s.id, t.name, s.time_created
		FROM sensor s JOIN sensor_type t ON t.id = s.type_id
		WHERE $1::text IS NULL OR t.name = $1
		ORDER BY s.id`, typeName)
	sensors, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (Sensor, error) {
		var s Sensor
		var created *time.Time
		err := row.Scan(&s.UniqueIdentifier, &s.Name, &s.Notes, &s.ID, &s.TypeName, &created)
		if created != nil {
			s.TimeCreated = *created
		}
		return s, err
	})
	if err != nil {
		return nil, translate(fmt.Errorf("list sensors: %w", err))
	}
	return sensors, nil
}

// EditSensor replaces a sensor's name and notes. KindInvalid: unknown sensor.
func (db *DB) EditSensor(ctx context.Context, uniqueID, name, notes string) error {
	tag, err := db.pool.Exec(ctx, `UPDATE sensor SET name = $2, notes = $3, time_updated = now() WHERE unique_identifier = $1`, uniqueID, name, notes)
	if err != nil {
		return translate(fmt.Errorf("edit sensor %q: %w", uniqueID, err))
	}
	if tag.RowsAffected() == 0 {
		return Invalidf("Sensor does not exist")
	}
	return nil
}

// DeleteSensor deletes a sensor with its readings and location history. KindInvalid: unknown
// sensor; KindConflict: model runs refer to it.
func (db *DB) DeleteSensor(ctx context.Context, uniqueID string) error {
	return db.transact(ctx, func(tx pgx.Tx) error {
		var id int32
		var runs bool
		err := tx.QueryRow(ctx, `SELECT id, EXISTS (SELECT 1 FROM model_run WHERE sensor_id = sensor.id)
			FROM sensor WHERE unique_identifier = $1 FOR UPDATE`, uniqueID).Scan(&id, &runs)
		if errors.Is(err, pgx.ErrNoRows) {
			return Invalidf("Sensor does not exist")
		}
		if err != nil {
			return fmt.Errorf("find sensor %q: %w", uniqueID, err)
		}
		if runs {
			return Conflictf("Sensor is referenced by model runs")
		}
		// Readings tables carry no foreign key (see migration 00002): delete them here, under the
		// row lock that makes concurrent ingest of this sensor wait.
		for _, d := range []Datatype{String, Integer, Float, Boolean} {
			if _, err := tx.Exec(ctx, `DELETE FROM `+sensorReadingTable(d)+` WHERE sensor_id = $1`, id); err != nil {
				return fmt.Errorf("delete readings of sensor %q: %w", uniqueID, err)
			}
		}
		if _, err := tx.Exec(ctx, `DELETE FROM sensor WHERE id = $1`, id); err != nil {
			return fmt.Errorf("delete sensor %q: %w", uniqueID, err)
		}
		return nil
	})
}

// DeleteSensorType deletes a type and its measure links (the measures stay). KindInvalid: unknown
// type; KindConflict: sensors of the type exist.
func (db *DB) DeleteSensorType(ctx context.Context, name string) error {
	return db.transact(ctx, func(tx pgx.Tx) error {
		var id int32
		var used bool
		err := tx.QueryRow(ctx, `SELECT id, EXISTS (SELECT 1 FROM sensor WHERE type_id = sensor_type.id)
			FROM sensor_type WHERE name = $1 FOR UPDATE`, name).Scan(&id, &used)
		if errors.Is(err, pgx.ErrNoRows) {
			return Invalidf("Sensor type does not exist")
		}
		if err != nil {
			return fmt.Errorf("find sensor type %q: %w", name, err)
		}
		if used {
			return Conflictf("Sensor type is in use by sensors")
		}
		if _, err := tx.Exec(ctx, `DELETE FROM sensor_type WHERE id = $1`, id); err != nil {
			return fmt.Errorf("delete sensor type %q: %w", name, err)
		}
		return nil
	})
}
