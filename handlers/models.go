package handlers

import (
	"net/http"
	"time"

	"github.com/dtbase-go/dtbase/dbcore"
)

// nameOnly reads a body with one required string key.
func (s *Server) nameOnly(r *http.Request, key string) (string, error) {
	body, err := s.decodeBody(r, false)
	if err != nil {
		return "", err
	}
	v := body.str(key)
	return v, body.err()
}

func (s *Server) insertModel(w http.ResponseWriter, r *http.Request) error {
	name, err := s.nameOnly(r, "name")
	if err != nil {
		return err
	}
	if err := s.db.InsertModel(r.Context(), name); err != nil {
		return err
	}
	writeDetail(w, http.StatusCreated, "Model inserted")
	return nil
}

func (s *Server) listModels(w http.ResponseWriter, r *http.Request) error {
	names, err := s.db.ListModels(r.Context())
	if err != nil {
		return err
	}
	type model struct {
		Name string `json:"name"`
	}
	out := make([]model, len(names))
	for i, n := range names {
		out[i].Name = n
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) deleteModel(w http.ResponseWriter, r *http.Request) error {
	name, err := s.nameOnly(r, "name")
	if err != nil {
		return err
	}
	if err := s.db.DeleteModel(r.Context(), name); err != nil {
		return err
	}
	writeDetail(w, http.StatusOK, "Model deleted")
	return nil
}

func (s *Server) insertModelScenario(w http.ResponseWriter, r *http.Request) error {
	body, err := s.decodeBody(r, false)
	if err != nil {
		return err
	}
	model, desc := body.str("model_name"), body.nullableStr("description")
	if err := body.err(); err != nil {
		return err
	}
	if err := s.db.InsertScenario(r.Context(), model, desc); err != nil {
		return err
	}
	writeDetail(w, http.StatusCreated, "Model scenario inserted")
	return nil
}

func (s *Server) listModelScenarios(w http.ResponseWriter, r *http.Request) error {
	scenarios, err := s.db.ListScenarios(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, scenarios)
	return nil
}

func (s *Server) deleteModelScenario(w http.ResponseWriter, r *http.Request) error {
	body, err := s.decodeBody(r, false)
	if err != nil {
		return err
	}
	model, desc := body.str("model_name"), body.nullableStr("description")
	if err := body.err(); err != nil {
		return err
	}
	if err := s.db.DeleteScenario(r.Context(), model, desc); err != nil {
		return err
	}
	writeDetail(w, http.StatusOK, "Model scenario deleted")
	return nil
}

func (s *Server) insertModelMeasure(w http.ResponseWriter, r *http.Request) error {
	body, err := s.decodeBody(r, false)
	if err != nil {
		return err
	}
	m := dbcore.ModelMeasure{Name: body.str("name"), Units: body.str("units"), Datatype: dbcore.Datatype(body.str("datatype"))}
	if err := body.err(); err != nil {
		return err
	}
	if _, err := dbcore.ParseDatatype(string(m.Datatype)); err != nil {
		return err
	}
	if err := s.db.InsertModelMeasure(r.Context(), m); err != nil {
		return err
	}
	writeDetail(w, http.StatusCreated, "Model measure inserted")
	return nil
}

func (s *Server) listModelMeasures(w http.ResponseWriter, r *http.Request) error {
	ms, err := s.db.ListModelMeasures(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, ms)
	return nil
}

func (s *Server) deleteModelMeasure(w http.ResponseWriter, r *http.Request) error {
	name, err := s.nameOnly(r, "name")
	if err != nil {
		return err
	}
	if err := s.db.DeleteModelMeasure(r.Context(), name); err != nil {
		return err
	}
	writeDetail(w, http.StatusOK, "Model measure deleted")
	return nil
}

func (s *Server) insertModelRun(w http.ResponseWriter, r *http.Request) error {
	body, err := s.decodeBody(r, false)
	if err != nil {
		return err
	}
	run := dbcore.NewModelRun{ModelName: body.str("model_name"), ScenarioDescription: body.str("scenario_description")}
	body.objects("measures_and_values", func(_ int, e *object) {
		run.Outputs = append(run.Outputs, dbcore.ModelOutput{MeasureName: e.str("measure_name"), Values: e.values("values"), Timestamps: e.datetimes("timestamps")})
	})
	run.TimeCreated = body.optDatetime("time_created", s.now())
	run.CreateScenario = body.boolean("create_scenario", false)
	run.SensorUniqueID = body.optStr("sensor_unique_id")
	if v, ok := body.field("sensor_measure", false); ok && v != nil {
		if e := body.child(body.at("sensor_measure"), v); e != nil {
			run.SensorMeasure = &dbcore.Measure{Name: e.str("name"), Units: e.nullableStr("units")}
		}
	}
	if err := body.err(); err != nil {
		return err
	}
	id, err := s.db.InsertModelRun(r.Context(), run)
	if err != nil {
		return err
	}
	// run_id is additive (api-contract.md §4.14): the original's clients read only detail.
	writeJSON(w, http.StatusCreated, struct {
		Detail string `json:"detail"`
		RunID  int32  `json:"run_id"`
	}{"Model run inserted", id})
	return nil
}

// modelRunJSON is a model run on the wire.
type modelRunJSON struct {
	ID                  int32              `json:"id"`
	ModelID             int32              `json:"model_id"`
	ModelName           string             `json:"model_name"`
	ScenarioID          *int32             `json:"scenario_id"`
	ScenarioDescription *string            `json:"scenario_description"`
	TimeCreated         jsonTime           `json:"time_created"`
	SensorUniqueID      *string            `json:"sensor_unique_id"`
	SensorMeasure       *dbcore.MeasureRef `json:"sensor_measure"`
}

func (s *Server) listModelRuns(w http.ResponseWriter, r *http.Request) error {
	body, err := s.decodeBody(r, false)
	if err != nil {
		return err
	}
	now := s.now()
	model := body.str("model_name")
	from := body.optDatetime("dt_from", now.Add(-7*24*time.Hour))
	to := body.optDatetime("dt_to", now)
	scenario := body.optStr("scenario")
	page := readPage(body, maxListLimit)
	if err := body.err(); err != nil {
		return err
	}
	var runs []dbcore.ModelRun
	var next *string
	if page.on { // limit or cursor: one page (readings_scale.go); without them, the original's answer
		runs, next, err = s.modelRunsPage(r.Context(), model, from, to, scenario, page)
	} else {
		runs, err = s.db.ListModelRuns(r.Context(), model, from, to, scenario)
	}
	if err != nil {
		return err
	}
	out := make([]modelRunJSON, len(runs))
	for i, run := range runs {
		out[i] = modelRunJSON{run.ID, run.ModelID, run.ModelName, run.ScenarioID, run.ScenarioDescription,
			jsonTime(run.TimeCreated), run.SensorUniqueID, run.SensorMeasure}
	}
	if page.on {
		writeJSON(w, http.StatusOK, pageJSON{out, next})
		return nil
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) runID(r *http.Request) (int64, error) {
	body, err := s.decodeBody(r, false)
	if err != nil {
		return 0, err
	}
	id := body.integer("run_id")
	return id, body.err()
}

// timeValue is one element of a readings or model values list.
type timeValue struct {
	Value     dbcore.Value `json:"value"`
	Timestamp jsonTime     `json:"timestamp"`
}

func (s *Server) getModelRun(w http.ResponseWriter, r *http.Request) error {
	id, err := s.runID(r)
	if err != nil {
		return err
	}
	outputs, err := s.db.GetRunOutputs(r.Context(), id)
	if err != nil {
		return err
	}
	obj := make(orderedObject, len(outputs))
	for i, o := range outputs {
		values := make([]timeValue, len(o.Values))
		for j := range o.Values {
			values[j] = timeValue{o.Values[j], jsonTime(o.Timestamps[j])}
		}
		obj[i] = keyValue{o.MeasureName, values}
	}
	writeJSON(w, http.StatusOK, obj)
	return nil
}

func (s *Server) getModelRunSensorMeasure(w http.ResponseWriter, r *http.Request) error {
	id, err := s.runID(r)
	if err != nil {
		return err
	}
	run, err := s.db.GetModelRun(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, struct {
		SensorUniqueID *string            `json:"sensor_unique_id"`
		SensorMeasure  *dbcore.MeasureRef `json:"sensor_measure"`
	}{run.SensorUniqueID, run.SensorMeasure})
	return nil
}
