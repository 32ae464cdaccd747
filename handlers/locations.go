package handlers

import (
	"bytes"
	"encoding/json"
	"net/http"

	"github.com/dtbase-go/dtbase/dbcore"
)

// orderedObject is a JSON object whose keys come out in the order given (responses with keys named
// after location identifiers).
type orderedObject []keyValue

type keyValue struct {
	key   string
	value any
}

func (o orderedObject) MarshalJSON() ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteByte('{')
	for i, kv := range o {
		if i > 0 {
			buf.WriteByte(',')
		}
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(kv.key); err != nil {
			return nil, err
		}
		buf.Truncate(buf.Len() - 1) // Encode's newline
		buf.WriteByte(':')
		if err := enc.Encode(kv.value); err != nil {
			return nil, err
		}
		buf.Truncate(buf.Len() - 1)
	}
	buf.WriteByte('}')
	return buf.Bytes(), nil
}

func locationObject(l dbcore.Location, extra ...keyValue) orderedObject {
	obj := make(orderedObject, 0, 1+len(l.Coordinates)+len(extra))
	obj = append(obj, keyValue{"id", l.ID})
	for _, c := range l.Coordinates {
		obj = append(obj, keyValue{c.Name, c.Value})
	}
	return append(obj, extra...)
}

// identifiers reads a list of {name, units (key required), datatype} objects.
func identifiers(body *object, key string) []dbcore.Measure {
	var out []dbcore.Measure
	body.objects(key, func(_ int, e *object) {
		m := dbcore.Measure{Name: e.str("name"), Units: e.nullableStr("units")}
		m.Datatype = dbcore.Datatype(e.str("datatype"))
		out = append(out, m)
	})
	return out
}

// checkDatatypes rejects unknown datatype names with 400 before anything is written.
func checkDatatypes(ms []dbcore.Measure) error {
	for _, m := range ms {
		if _, err := dbcore.ParseDatatype(string(m.Datatype)); err != nil {
			return err
		}
	}
	return nil
}

func (s *Server) insertLocationSchema(w http.ResponseWriter, r *http.Request) error {
	body, err := s.decodeBody(r, false)
	if err != nil {
		return err
	}
	schema := dbcore.LocationSchema{Name: body.str("name"), Description: body.nullableStr("description"), Identifiers: identifiers(body, "identifiers")}
	if err := body.err(); err != nil {
		return err
	}
	if err := checkDatatypes(schema.Identifiers); err != nil {
		return err
	}
	if err := s.db.InsertLocationSchema(r.Context(), schema); err != nil {
		return err
	}
	writeDetail(w, http.StatusCreated, "Location schema inserted")
	return nil
}

func (s *Server) insertLocation(w http.ResponseWriter, r *http.Request) error {
	body, err := s.decodeBody(r, false)
	if err != nil {
		return err
	}
	ids, values := identifiers(body, "identifiers"), body.values("values")
	if err := body.err(); err != nil {
		return err
	}
	if len(ids) == 0 {
		return badRequest("A location needs at least one identifier")
	}
	if err := checkDatatypes(ids); err != nil {
		return err
	}
	name, err := s.db.InsertLocation(r.Context(), ids, values)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, struct {
		SchemaName string `json:"schema_name"`
	}{name})
	return nil
}

func (s *Server) insertLocationForSchema(w http.ResponseWriter, r *http.Request) error {
	body, err := s.decodeBody(r, false)
	if err != nil {
		return err
	}
	schema, coords := body.str("schema_name"), body.coordinates("coordinates", true)
	if err := body.err(); err != nil {
		return err
	}
	if err := s.db.InsertLocationForSchema(r.Context(), schema, coords); err != nil {
		return err
	}
	writeDetail(w, http.StatusCreated, "Location inserted")
	return nil
}

func (s *Server) listLocations(w http.ResponseWriter, r *http.Request) error {
	body, err := s.decodeBody(r, false)
	if err != nil {
		return err
	}
	schema, coords := body.str("schema_name"), body.coordinates("coordinates", false)
	if err := body.err(); err != nil {
		return err
	}
	locs, err := s.db.ListLocations(r.Context(), schema, coords)
	if err != nil {
		return err
	}
	out := make([]orderedObject, len(locs))
	for i, l := range locs {
		out[i] = locationObject(l)
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) listLocationSchemas(w http.ResponseWriter, r *http.Request) error {
	schemas, err := s.db.ListLocationSchemas(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, schemas)
	return nil
}

func (s *Server) listLocationIdentifiers(w http.ResponseWriter, r *http.Request) error {
	ids, err := s.db.ListLocationIdentifiers(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, ids)
	return nil
}

func (s *Server) getSchemaDetails(w http.ResponseWriter, r *http.Request) error {
	body, err := s.decodeBody(r, false)
	if err != nil {
		return err
	}
	name := body.str("schema_name")
	if err := body.err(); err != nil {
		return err
	}
	schema, err := s.db.GetLocationSchema(r.Context(), name)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, schema)
	return nil
}

func (s *Server) deleteLocationSchema(w http.ResponseWriter, r *http.Request) error {
	body, err := s.decodeBody(r, false)
	if err != nil {
		return err
	}
	name := body.str("schema_name")
	if err := body.err(); err != nil {
		return err
	}
	if err := s.db.DeleteLocationSchema(r.Context(), name); err != nil {
		return err
	}
	writeDetail(w, http.StatusOK, "Location schema '"+name+"' has been deleted.")
	return nil
}

func (s *Server) deleteLocation(w http.ResponseWriter, r *http.Request) error {
	body, err := s.decodeBody(r, false)
	if err != nil {
		return err
	}
	schema, coords := body.str("schema_name"), body.coordinates("coordinates", true)
	if err := body.err(); err != nil {
		return err
	}
	if err := s.db.DeleteLocation(r.Context(), schema, coords); err != nil {
		return err
	}
	writeDetail(w, http.StatusOK, "Location deleted")
	return nil
}

func (s *Server) insertSensorLocation(w http.ResponseWriter, r *http.Request) error {
	body, err := s.decodeBody(r, false)
	if err != nil {
		return err
	}
	uid, schema := body.str("unique_identifier"), body.str("schema_name")
	coords := body.coordinates("coordinates", true)
	installed := body.optDatetime("installation_datetime", s.now())
	if err := body.err(); err != nil {
		return err
	}
	if err := s.db.InsertSensorLocation(r.Context(), uid, schema, coords, installed); err != nil {
		return err
	}
	writeDetail(w, http.StatusCreated, "Sensor location inserted")
	return nil
}

func (s *Server) listSensorLocations(w http.ResponseWriter, r *http.Request) error {
	body, err := s.decodeBody(r, false)
	if err != nil {
		return err
	}
	uid := body.str("unique_identifier")
	if err := body.err(); err != nil {
		return err
	}
	history, err := s.db.ListSensorLocations(r.Context(), uid)
	if err != nil {
		return err
	}
	out := make([]orderedObject, len(history))
	for i, h := range history {
		out[i] = locationObject(h.Location, keyValue{"installation_datetime", jsonTime(h.Installed)})
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}
