package handlers

import (
	"net/http"
	"time"

	"github.com/dtbase-go/dtbase/dbcore"
)

func (s *Server) insertSensorType(w http.ResponseWriter, r *http.Request) error {
	body, err := s.decodeBody(r, false)
	if err != nil {
		return err
	}
	t := dbcore.SensorType{Name: body.str("name"), Description: body.optStr("description"), Measures: identifiers(body, "measures")}
	if err := body.err(); err != nil {
		return err
	}
	if err := checkDatatypes(t.Measures); err != nil {
		return err
	}
	if err := s.db.InsertSensorType(r.Context(), t); err != nil {
		return err
	}
	writeDetail(w, http.StatusCreated, "Sensor type inserted")
	return nil
}

func (s *Server) insertSensor(w http.ResponseWriter, r *http.Request) error {
	body, err := s.decodeBody(r, false)
	if err != nil {
		return err
	}
	typeName := body.str("type_name")
	sensor := dbcore.Sensor{UniqueIdentifier: body.str("unique_identifier"), Name: body.optStr("name"), Notes: body.optStr("notes")}
	if err := body.err(); err != nil {
		return err
	}
	if err := s.db.InsertSensor(r.Context(), typeName, sensor); err != nil {
		return err
	}
	writeDetail(w, http.StatusCreated, "Sensor inserted")
	return nil
}

func (s *Server) listSensors(w http.ResponseWriter, r *http.Request) error {
	body, err := s.decodeBody(r, false)
	if err != nil {
		return err
	}
	typeName := body.optStr("type_name")
	if err := body.err(); err != nil {
		return err
	}
	sensors, err := s.db.ListSensors(r.Context(), typeName)
	if err != nil {
		return err
	}
	type sensorJSON struct {
		dbcore.Sensor
		TimeCreated jsonTime `json:"time_created"`
	}
	out := make([]sensorJSON, len(sensors))
	for i, sn := range sensors {
		out[i] = sensorJSON{Sensor: sn, TimeCreated: jsonTime(sn.TimeCreated)}
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) listSensorTypes(w http.ResponseWriter, r *http.Request) error {
	types, err := s.db.ListSensorTypes(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, types)
	return nil
}

func (s *Server) listMeasures(w http.ResponseWriter, r *http.Request) error {
	ms, err := s.db.ListSensorMeasures(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, ms)
	return nil
}

func (s *Server) insertSensorReadings(w http.ResponseWriter, r *http.Request) error {
	body, err := s.decodeBody(r, false)
	if err != nil {
		return err
	}
	measure, uid := body.str("measure_name"), body.str("unique_identifier")
	rawReadings, ok1 := body.rawField("readings")
	rawTimestamps, ok2 := body.rawField("timestamps")
	if err := body.err(); err != nil {
		return err
	}
	// Fast path: decode the batch while COPY writes it. Anything it does not take (an error, a rare
	// form) goes through the general decoder, which gives the same answers as for any endpoint.
	if ok1 && ok2 {
		err = s.db.InsertReadingStream(r.Context(), uid, measure, func(d dbcore.Datatype) dbcore.ReadingSource {
			return newReadingStream(rawReadings, rawTimestamps, d)
		})
		if err == nil {
			writeDetail(w, http.StatusCreated, "Sensor readings inserted")
			return nil
		}
	}
	values, timestamps := body.values("readings"), body.datetimes("timestamps")
	if err := body.err(); err != nil {
		return err
	}
	if err := s.db.InsertReadings(r.Context(), uid, measure, values, timestamps); err != nil {
		return err
	}
	writeDetail(w, http.StatusCreated, "Sensor readings inserted")
	return nil
}

// sensorReadings streams the readings as they come from the database, so memory stays flat
// however large the range.
func (s *Server) sensorReadings(w http.ResponseWriter, r *http.Request) error {
	body, err := s.decodeBody(r, false)
	if err != nil {
		return err
	}
	q := dbcore.ReadingsQuery{MeasureName: body.str("measure_name"), UniqueID: body.str("unique_identifier"),
		From: body.datetime("dt_from"), To: body.datetime("dt_to")}
	page := readPage(body, maxReadingsLimit)
	if err := body.err(); err != nil {
		return err
	}
	if page.on { // limit or cursor: one page (readings_scale.go); without them, the original's answer
		return s.sensorReadingsPage(w, r, q, page)
	}
	return streamTimeValues(w, func(start func() error, fn func(time.Time, dbcore.Value) error) error {
		return s.db.StreamReadings(r.Context(), q, start, fn)
	})
}

// streamTimeValues writes [{"value":...,"timestamp":...},...] from a streaming source, which calls
// start before its first reading.
func streamTimeValues(w http.ResponseWriter, source func(start func() error, fn func(time.Time, dbcore.Value) error) error) error {
	out := newJSONStream(w)
	err := source(func() error { return out.open("[") }, out.reading)
	return out.finish(err, "]")
}

func (s *Server) deleteSensor(w http.ResponseWriter, r *http.Request) error {
	body, err := s.decodeBody(r, false)
	if err != nil {
		return err
	}
	uid := body.str("unique_identifier")
	if err := body.err(); err != nil {
		return err
	}
	if err := s.db.DeleteSensor(r.Context(), uid); err != nil {
		return err
	}
	writeDetail(w, http.StatusOK, "Sensor deleted")
	return nil
}

func (s *Server) deleteSensorType(w http.ResponseWriter, r *http.Request) error {
	body, err := s.decodeBody(r, false)
	if err != nil {
		return err
	}
	name := body.str("type_name")
	if err := body.err(); err != nil {
		return err
	}
	if err := s.db.DeleteSensorType(r.Context(), name); err != nil {
		return err
	}
	writeDetail(w, http.StatusOK, "Sensor type deleted")
	return nil
}

func (s *Server) editSensor(w http.ResponseWriter, r *http.Request) error {
	body, err := s.decodeBody(r, false)
	if err != nil {
		return err
	}
	uid, name, notes := body.str("unique_identifier"), body.str("name"), body.str("notes")
	if err := body.err(); err != nil {
		return err
	}
	if err := s.db.EditSensor(r.Context(), uid, name, notes); err != nil {
		return err
	}
	writeDetail(w, http.StatusOK, "Sensor edited")
	return nil
}
