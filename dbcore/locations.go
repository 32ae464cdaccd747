package dbcore

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// LocationSchema is a named set of location identifiers (the coordinates' names, units and types).
type LocationSchema struct {
	Name        string    `json:"name"`
	Description *string   `json:"description"`
	Identifiers []Measure `json:"identifiers"`
}

// NamedValue is one coordinate of a location.
type NamedValue struct {
	Name  string
	Value Value
}

// Location is a location's id and its coordinates, ordered by identifier name.
type Location struct {
	ID          int32
	Coordinates []NamedValue
}

// SensorLocation is one entry of a sensor's location history.
type SensorLocation struct {
	Location
	Installed time.Time
}

// reservedIdentifiers collide with keys of the location responses (api-contract.md §4.33).
var reservedIdentifiers = map[string]bool{"id": true, "installation_datetime": true, "root": true}

// identifier is a location identifier row.
type identifier struct {
	id int32
	Measure
}

// coordinate is a value for one identifier, converted to its datatype.
type coordinate struct {
	identifier
	value Value
}

// checkIdentifiers rejects reserved names, and names listed twice with the conflict detail dup
// (each endpoint keeps the text the original answers with, api-contract.md §2.3).
func checkIdentifiers(ids []Measure, dup string) error {
	seen := make(map[string]bool, len(ids))
	for _, id := range ids {
		if reservedIdentifiers[id.Name] {
			return Invalidf("'%s' cannot be a location identifier name: it is reserved", id.Name)
		}
		if seen[id.Name] {
			return Conflictf("%s", dup)
		}
		seen[id.Name] = true
	}
	return nil
}

// createSchema creates a schema linked to its identifiers (found or created), linked in name order.
// It returns the schema id, or 0 when a schema of that name exists already.
func createSchema(ctx context.Context, tx pgx.Tx, s LocationSchema) (int32, error) {
	var schemaID int32
	err := tx.QueryRow(ctx, `INSERT INTO location_schema (name, description) VALUES ($1, $2)
		ON CONFLICT (name) DO NOTHING RETURNING id`, s.Name, s.Description).Scan(&schemaID)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("insert location schema %q: %w", s.Name, err)
	}
	ids := append([]Measure(nil), s.Identifiers...)
	sort.Slice(ids, func(i, j int) bool { return ids[i].Name < ids[j].Name })
	for _, m := range ids {
		idID, err := findOrCreateMeasure(ctx, tx, "location_identifier", "Location identifier", m)
		if err != nil {
			return 0, err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO location_schema_identifier_relation (schema_id, identifier_id) VALUES ($1, $2)`, schemaID, idID); err != nil {
			return 0, fmt.Errorf("link identifier %q: %w", m.Name, err)
		}
	}
	return schemaID, nil
}

// InsertLocationSchema creates a schema. KindConflict: the name is taken, an identifier is listed
// twice or exists with another datatype. KindInvalid: a reserved identifier name.
func (db *DB) InsertLocationSchema(ctx context.Context, s LocationSchema) error {
	if err := checkIdentifiers(s.Identifiers, "LocationSchema exists already"); err != nil {
		return err
	}
	return db.transact(ctx, func(tx pgx.Tx) error {
		id, err := createSchema(ctx, tx, s)
		if err == nil && id == 0 {
			return Conflictf("LocationSchema exists already")
		}
		return err
	})
}

// schemaIdentifiers returns a schema's id and identifiers in name order; ok is false when the schema
// does not exist. With lock set the schema row is locked, serialising inserts of its locations.
// Name order is code-point order (COLLATE "C", here and below), the order that names schemas,
// whatever the database's collation.
func schemaIdentifiers(ctx context.Context, q querier, name string, lock bool) (int32, []identifier, bool, error) {
	var schemaID int32
	sql := `SELECT id FROM location_schema WHERE name = $1`
	if lock {
		sql += ` FOR UPDATE`
	}
	err := q.QueryRow(ctx, sql, name).Scan(&schemaID)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, nil, false, nil
	}
	if err != nil {
		return 0, nil, false, fmt.Errorf("find location schema %q: %w", name, err)
	}
	rows, _ := q.Query(ctx, `SELECT i.id, i.name, i.units, i.datatype
		FROM location_schema_identifier_relation r JOIN location_identifier i ON i.id = r.identifier_id
		WHERE r.schema_id = $1 ORDER BY i.name COLLATE "C", i.id`, schemaID)
	ids, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (identifier, error) {
		var i identifier
		err := row.Scan(&i.id, &i.Name, &i.Units, &i.Datatype)
		return i, err
	})
	if err != nil {
		return 0, nil, false, fmt.Errorf("read identifiers of schema %q: %w", name, err)
	}
	return schemaID, ids, true, nil
}

func identifierNames(ids []identifier) string {
	names := make([]string, len(ids))
	for i, id := range ids {
		names[i] = id.Name
	}
	return strings.Join(names, ", ")
}

// toCoordinates checks coordinate names against the schema's identifiers and converts each value to
// its identifier's datatype. With all set, every identifier must be given.
func toCoordinates(ids []identifier, values map[string]Value, all bool) ([]coordinate, error) {
	out := make([]coordinate, 0, len(values))
	for _, id := range ids {
		v, ok := values[id.Name]
		if !ok {
			if all {
				return nil, Invalidf("Coordinates must be exactly the schema's identifiers: %s", identifierNames(ids))
			}
			continue
		}
		c, ok := v.As(id.Datatype)
		if !ok {
			return nil, Invalidf("Coordinate '%s' is %s, but the identifier is of datatype %s", id.Name, v.Describe(), id.Datatype)
		}
		out = append(out, coordinate{identifier: id, value: c})
	}
	if len(out) != len(values) {
		for name := range values {
			if !hasIdentifier(ids, name) {
				return nil, Invalidf("'%s' is not an identifier of the schema (identifiers: %s)", name, identifierNames(ids))
			}
		}
	}
	return out, nil
}

func hasIdentifier(ids []identifier, name string) bool {
	for _, id := range ids {
		if id.Name == name {
			return true
		}
	}
	return false
}

func scalar(v Value) any {
	switch v.Type {
	case Float:
		return v.F
	case Integer:
		return int32(v.I)
	case Boolean:
		return v.B
	}
	return v.S
}

// matchLocations returns the ids of the schema's locations whose values equal every coordinate given.
func matchLocations(ctx context.Context, q querier, schemaID int32, coords []coordinate) ([]int32, error) {
	var sb strings.Builder
	sb.WriteString(`SELECT l.id FROM location l WHERE l.schema_id = $1`)
	args := []any{schemaID}
	for _, c := range coords {
		args = append(args, c.id, scalar(c.value))
		fmt.Fprintf(&sb, ` AND EXISTS (SELECT 1 FROM %s v WHERE v.location_id = l.id AND v.identifier_id = $%d AND v.value = $%d)`,
			locationValueTable(c.Datatype), len(args)-1, len(args))
	}
	sb.WriteString(` ORDER BY l.id`)
	rows, _ := q.Query(ctx, sb.String(), args...)
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int32])
	if err != nil {
		return nil, fmt.Errorf("match locations: %w", err)
	}
	return ids, nil
}

// insertLocation adds a location with a full set of coordinates to a locked schema. KindConflict
// when the schema already has a location with exactly these values.
func insertLocation(ctx context.Context, tx pgx.Tx, schemaID int32, coords []coordinate, exists string) error {
	dups, err := matchLocations(ctx, tx, schemaID, coords)
	if err != nil {
		return err
	}
	if len(dups) > 0 {
		return Conflictf("%s", exists)
	}
	var locationID int32
	if err := tx.QueryRow(ctx, `INSERT INTO location (schema_id) VALUES ($1) RETURNING id`, schemaID).Scan(&locationID); err != nil {
		return fmt.Errorf("insert location: %w", err)
	}
	for _, c := range coords {
		if _, err := tx.Exec(ctx, `INSERT INTO `+locationValueTable(c.Datatype)+` (value, identifier_id, location_id) VALUES ($1, $2, $3)`,
			scalar(c.value), c.id, locationID); err != nil {
			return fmt.Errorf("insert coordinate %q: %w", c.Name, err)
		}
	}
	return nil
}

// InsertLocation adds a location given its identifiers and values. Its schema is named after the
// sorted identifier names joined with '-', and is created when missing (api-contract.md §4.8); an
// existing schema must have the same identifiers. It returns the schema name. KindConflict: the
// location exists, or the schema exists with other identifiers.
func (db *DB) InsertLocation(ctx context.Context, ids []Measure, values []Value) (string, error) {
	if len(ids) != len(values) {
		return "", Invalidf("Got %d identifiers but %d values", len(ids), len(values))
	}
	if err := checkIdentifiers(ids, "Location or schema exists already"); err != nil {
		return "", err
	}
	names := make([]string, len(ids))
	given := make(map[string]Value, len(ids))
	for i, id := range ids {
		names[i] = id.Name
		given[id.Name] = values[i]
	}
	sort.Strings(names)
	name := strings.Join(names, "-")
	err := db.transact(ctx, func(tx pgx.Tx) error {
		if _, err := createSchema(ctx, tx, LocationSchema{Name: name, Description: &name, Identifiers: ids}); err != nil {
			return err
		}
		schemaID, stored, _, err := schemaIdentifiers(ctx, tx, name, true)
		if err != nil {
			return err
		}
		if !sameIdentifiers(stored, ids) {
			return Conflictf("Location schema '%s' exists with other identifiers", name)
		}
		coords, err := toCoordinates(stored, given, true)
		if err != nil {
			return err
		}
		return insertLocation(ctx, tx, schemaID, coords, "Location or schema exists already")
	})
	return name, err
}

// sameIdentifiers reports whether a stored schema has exactly the given identifiers, datatypes
// included: a datatype that differs is refused as when the schema is new (api-contract.md §4.7).
func sameIdentifiers(stored []identifier, given []Measure) bool {
	if len(stored) != len(given) {
		return false
	}
	for _, g := range given {
		found := false
		for _, s := range stored {
			if s.key() == g.key() && s.Datatype == g.Datatype {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// InsertLocationForSchema adds a location to an existing schema; the coordinates must name exactly
// the schema's identifiers. KindInvalid: unknown schema or bad coordinates; KindConflict: the schema
// has this location already.
func (db *DB) InsertLocationForSchema(ctx context.Context, schemaName string, values map[string]Value) error {
	return db.transact(ctx, func(tx pgx.Tx) error {
		schemaID, ids, ok, err := schemaIdentifiers(ctx, tx, schemaName, true)
		if err != nil {
			return err
		}
		if !ok {
			return Invalidf("Location schema does not exist")
		}
		if len(values) != len(ids) {
			return Invalidf("Coordinates must be exactly the schema's identifiers: %s", identifierNames(ids))
		}
		coords, err := toCoordinates(ids, values, true)
		if err != nil {
			return err
		}
		return insertLocation(ctx, tx, schemaID, coords, "Location exists already")
	})
}

// ListLocations returns the schema's locations whose coordinates equal every filter value, in
// creation order. An unknown schema gives none; a filter key that is not an identifier is KindInvalid.
func (db *DB) ListLocations(ctx context.Context, schemaName string, filter map[string]Value) ([]Location, error) {
	schemaID, ids, ok, err := schemaIdentifiers(ctx, db.pool, schemaName, false)
	if err != nil || !ok {
		return []Location{}, translate(err)
	}
	coords, err := toCoordinates(ids, filter, false)
	if err != nil {
		return nil, err
	}
	locIDs, err := matchLocations(ctx, db.pool, schemaID, coords)
	if err != nil {
		return nil, translate(err)
	}
	byID, err := locationValues(ctx, db.pool, locIDs)
	if err != nil {
		return nil, translate(err)
	}
	out := make([]Location, len(locIDs))
	for i, id := range locIDs {
		out[i] = Location{ID: id, Coordinates: byID[id]}
	}
	return out, nil
}

// locationValues reads the coordinates of the given locations, each ordered by identifier name.
func locationValues(ctx context.Context, q querier, locIDs []int32) (map[int32][]NamedValue, error) {
	out := make(map[int32][]NamedValue, len(locIDs))
	if len(locIDs) == 0 {
		return out, nil
	}
	// Each value table casts to text so one query reads all four; the datatype restores the type.
	rows, _ := q.Query(ctx, `SELECT v.location_id, i.name, i.datatype, v.value FROM (
			SELECT location_id, identifier_id, value::text AS value FROM location_float_value WHERE location_id = ANY($1)
			UNION ALL SELECT location_id, identifier_id, value::text FROM location_integer_value WHERE location_id = ANY($1)
			UNION ALL SELECT location_id, identifier_id, value::text FROM location_boolean_value WHERE location_id = ANY($1)
			UNION ALL SELECT location_id, identifier_id, value FROM location_string_value WHERE location_id = ANY($1)
		) v JOIN location_identifier i ON i.id = v.identifier_id
		ORDER BY v.location_id, i.name COLLATE "C"`, locIDs)
	defer rows.Close()
	for rows.Next() {
		var locID int32
		var name, text string
		var d Datatype
		if err := rows.Scan(&locID, &name, &d, &text); err != nil {
			return nil, fmt.Errorf("read coordinates: %w", err)
		}
		v, err := parseStored(d, text)
		if err != nil {
			return nil, err
		}
		out[locID] = append(out[locID], NamedValue{Name: name, Value: v})
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read coordinates: %w", err)
	}
	return out, nil
}

// parseStored turns PostgreSQL's text form of a stored value back into a Value.
func parseStored(d Datatype, text string) (Value, error) {
	switch d {
	case Float:
		f, err := strconv.ParseFloat(text, 64)
		return Value{Type: Float, F: f}, err
	case Integer:
		i, err := strconv.ParseInt(text, 10, 64)
		return Value{Type: Integer, I: i}, err
	case Boolean:
		return Value{Type: Boolean, B: text == "true"}, nil
	}
	return Value{Type: String, S: text}, nil
}

// ListLocationSchemas returns every schema with its identifiers, in creation order.
func (db *DB) ListLocationSchemas(ctx context.Context) ([]LocationSchema, error) {
	rows, err := db.pool.Query(ctx, `SELECT s.id, s.name, s.description, i.name, i.units, i.datatype
		FROM location_schema s
		LEFT JOIN location_schema_identifier_relation r ON r.schema_id = s.id
		LEFT JOIN location_identifier i ON i.id = r.identifier_id
		ORDER BY s.id, i.name COLLATE "C", i.id`)
	if err != nil {
		return nil, translate(fmt.Errorf("list location schemas: %w", err))
	}
	defer rows.Close()
	out := []LocationSchema{}
	lastID := int32(-1)
	for rows.Next() {
		var id int32
		var s LocationSchema
		var name, units *string
		var d *Datatype
		if err := rows.Scan(&id, &s.Name, &s.Description, &name, &units, &d); err != nil {
			return nil, translate(fmt.Errorf("list location schemas: %w", err))
		}
		if id != lastID {
			s.Identifiers = []Measure{}
			out = append(out, s)
			lastID = id
		}
		if name != nil {
			last := &out[len(out)-1]
			last.Identifiers = append(last.Identifiers, Measure{Name: *name, Units: units, Datatype: *d})
		}
	}
	return out, translate(rows.Err())
}

// ListLocationIdentifiers returns every location identifier in creation order.
func (db *DB) ListLocationIdentifiers(ctx context.Context) ([]Measure, error) {
	return listMeasures(ctx, db, "location_identifier")
}

// GetLocationSchema returns one schema with its identifiers in name order. KindInvalid: no such schema.
func (db *DB) GetLocationSchema(ctx context.Context, name string) (LocationSchema, error) {
	s := LocationSchema{Name: name, Identifiers: []Measure{}}
	err := db.pool.QueryRow(ctx, `SELECT description FROM location_schema WHERE name = $1`, name).Scan(&s.Description)
	if errors.Is(err, pgx.ErrNoRows) {
		return s, Invalidf("No such schema")
	}
	if err != nil {
		return s, translate(fmt.Errorf("get location schema %q: %w", name, err))
	}
	_, ids, _, err := schemaIdentifiers(ctx, db.pool, name, false)
	if err != nil {
		return s, translate(err)
	}
	for _, id := range ids {
		s.Identifiers = append(s.Identifiers, id.Measure)
	}
	return s, nil
}

// DeleteLocationSchema deletes a schema and its identifier links. KindInvalid: unknown schema;
// KindConflict: it has locations.
func (db *DB) DeleteLocationSchema(ctx context.Context, name string) error {
	return db.transact(ctx, func(tx pgx.Tx) error {
		var id int32
		var used bool
		err := tx.QueryRow(ctx, `SELECT id, EXISTS (SELECT 1 FROM location WHERE schema_id = location_schema.id)
			FROM location_schema WHERE name = $1 FOR UPDATE`, name).Scan(&id, &used)
		if errors.Is(err, pgx.ErrNoRows) {
			return Invalidf("Location schema '%s' not found.", name)
		}
		if err != nil {
			return fmt.Errorf("find location schema %q: %w", name, err)
		}
		if used {
			return Conflictf("Location schema '%s' has locations; delete them first.", name)
		}
		_, err = tx.Exec(ctx, `DELETE FROM location_schema WHERE id = $1`, id)
		return err
	})
}

// findLocation resolves coordinates to exactly one location of a schema: partial coordinates are
// allowed when they match one location only (api-contract.md §4.10).
func findLocation(ctx context.Context, q querier, schemaName string, values map[string]Value, lock bool) (int32, error) {
	schemaID, ids, ok, err := schemaIdentifiers(ctx, q, schemaName, lock)
	if err != nil {
		return 0, err
	}
	if !ok {
		return 0, Invalidf("Location schema does not exist")
	}
	coords, err := toCoordinates(ids, values, false)
	if err != nil {
		return 0, err
	}
	locIDs, err := matchLocations(ctx, q, schemaID, coords)
	if err != nil {
		return 0, err
	}
	switch len(locIDs) {
	case 0:
		return 0, Invalidf("Location not found")
	case 1:
		return locIDs[0], nil
	}
	return 0, Conflictf("%d locations match these coordinates; give every identifier of the schema", len(locIDs))
}

// DeleteLocation deletes the one location of the schema matching the coordinates. KindInvalid:
// unknown schema or no match; KindConflict: several match, or a sensor's history refers to it.
func (db *DB) DeleteLocation(ctx context.Context, schemaName string, values map[string]Value) error {
	return db.transact(ctx, func(tx pgx.Tx) error {
		id, err := findLocation(ctx, tx, schemaName, values, true)
		if err != nil {
			return err
		}
		var used bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM sensor_location WHERE location_id = $1)`, id).Scan(&used); err != nil {
			return fmt.Errorf("check location use: %w", err)
		}
		if used {
			return Conflictf("Location is in a sensor's location history")
		}
		_, err = tx.Exec(ctx, `DELETE FROM location WHERE id = $1`, id)
		return err
	})
}

// InsertSensorLocation records that a sensor was installed at an existing location at a time.
// KindInvalid: unknown sensor, schema or location; KindConflict: ambiguous coordinates, or the
// sensor already has a location installed at that time.
func (db *DB) InsertSensorLocation(ctx context.Context, uniqueID, schemaName string, values map[string]Value, installed time.Time) error {
	return db.transact(ctx, func(tx pgx.Tx) error {
		var sensorID int32
		err := tx.QueryRow(ctx, `SELECT id FROM sensor WHERE unique_identifier = $1`, uniqueID).Scan(&sensorID)
		if errors.Is(err, pgx.ErrNoRows) {
			return Invalidf("Sensor does not exist")
		}
		if err != nil {
			return fmt.Errorf("find sensor %q: %w", uniqueID, err)
		}
		locID, err := findLocation(ctx, tx, schemaName, values, false)
		if err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `INSERT INTO sensor_location (sensor_id, location_id, installation_datetime) VALUES ($1, $2, $3)
			ON CONFLICT (sensor_id, installation_datetime) DO NOTHING`, sensorID, locID, installed)
		if err != nil {
			return fmt.Errorf("insert sensor location: %w", err)
		}
		if tag.RowsAffected() == 0 {
			return Conflictf("The sensor already has a location installed at that time")
		}
		return nil
	})
}

// ListSensorLocations returns a sensor's location history, newest installation first. An unknown
// sensor has none.
func (db *DB) ListSensorLocations(ctx context.Context, uniqueID string) ([]SensorLocation, error) {
	rows, _ := db.pool.Query(ctx, `SELECT sl.location_id, sl.installation_datetime
		FROM sensor_location sl JOIN sensor s ON s.id = sl.sensor_id
		WHERE s.unique_identifier = $1 ORDER BY sl.installation_datetime DESC`, uniqueID)
	history, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (SensorLocation, error) {
		var sl SensorLocation
		err := row.Scan(&sl.ID, &sl.Installed)
		return sl, err
	})
	if err != nil {
		return nil, translate(fmt.Errorf("list sensor locations of %q: %w", uniqueID, err))
	}
	ids := make([]int32, len(history))
	for i, h := range history {
		ids[i] = h.ID
	}
	values, err := locationValues(ctx, db.pool, ids)
	if err != nil {
		return nil, translate(err)
	}
	for i := range history {
		history[i].Coordinates = values[history[i].ID]
	}
	return history, nil
}
