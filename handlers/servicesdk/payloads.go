package servicesdk

import (
	"bytes"
	"fmt"
	"math"
	"strconv"
	"time"
)

// Endpoint paths that services commonly post to (relative to the base URL; see the API contract).
const (
	PathInsertSensorType     = "/sensor/insert-sensor-type"
	PathInsertSensor         = "/sensor/insert-sensor"
	PathInsertSensorReadings = "/sensor/insert-sensor-readings"
	PathSensorReadings       = "/sensor/sensor-readings"
	PathInsertModel          = "/model/insert-model"
	PathInsertModelScenario  = "/model/insert-model-scenario"
	PathInsertModelMeasure   = "/model/insert-model-measure"
	PathInsertModelRun       = "/model/insert-model-run"
)

// Datatype names of measures.
const (
	DatatypeFloat   = "float"
	DatatypeInteger = "integer"
	DatatypeBoolean = "boolean"
	DatatypeString  = "string"
)

// Float is a float64 that always encodes as a JSON float literal, with a decimal point or an
// exponent (290.0, -23.1, 1e-07, 1e+21), never as an integer literal (290). The original backend
// rejects integer literals for float measures; this platform accepts both. NaN and infinities
// cannot be encoded.
type Float float64

// MarshalJSON implements json.Marshaler.
func (f Float) MarshalJSON() ([]byte, error) {
	v := float64(f)
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil, fmt.Errorf("servicesdk: %v cannot be encoded as JSON", v)
	}
	format := byte('f')
	if abs := math.Abs(v); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b := strconv.AppendFloat(nil, v, format, -1, 64)
	if format == 'f' && !bytes.ContainsRune(b, '.') {
		b = append(b, ".0"...)
	}
	return b, nil
}

// Floats converts values to Floats.
func Floats(values []float64) []Float {
	fs := make([]Float, len(values))
	for i, v := range values {
		fs[i] = Float(v)
	}
	return fs
}

// FormatTime renders t as the backends read it: RFC 3339 in UTC ("Z"), with microseconds when t
// has a fraction of a second.
func FormatTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.999999Z07:00") }

// FormatTimes applies FormatTime to each time.
func FormatTimes(ts []time.Time) []string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = FormatTime(t)
	}
	return out
}

// SensorMeasure is a measure of a sensor type.
type SensorMeasure struct {
	Name     string `json:"name"`
	Units    string `json:"units"`
	Datatype string `json:"datatype"` // one of the Datatype constants
}

// SensorType is the payload of PathInsertSensorType.
type SensorType struct {
	Name        string          `json:"name"`
	Description string          `json:"description,omitempty"`
	Measures    []SensorMeasure `json:"measures"`
}

// Sensor is the payload of PathInsertSensor.
type Sensor struct {
	TypeName         string `json:"type_name"`
	UniqueIdentifier string `json:"unique_identifier"`
	Name             string `json:"name,omitempty"`
	Notes            string `json:"notes,omitempty"`
}

// Readings is the payload of PathInsertSensorReadings for a float measure.
type Readings struct {
	MeasureName      string   `json:"measure_name"`
	UniqueIdentifier string   `json:"unique_identifier"`
	Readings         []Float  `json:"readings"`
	Timestamps       []string `json:"timestamps"`
}

// ReadingsCall returns the call that inserts float readings of a sensor's measure, values[i] taken
// at ts[i]. The values are encoded as Floats, so that the original backend accepts them too.
// Readings that exist already (same sensor, measure and time) are skipped by the backend.
func ReadingsCall(sensorID, measure string, ts []time.Time, values []float64) (Call, error) {
	if len(ts) != len(values) {
		return Call{}, fmt.Errorf("servicesdk: %d timestamps but %d values", len(ts), len(values))
	}
	return Call{Path: PathInsertSensorReadings, Payload: Readings{
		MeasureName:      measure,
		UniqueIdentifier: sensorID,
		Readings:         Floats(values),
		Timestamps:       FormatTimes(ts),
	}}, nil
}

// ModelMeasure is the payload of PathInsertModelMeasure.
type ModelMeasure struct {
	Name     string `json:"name"`
	Units    string `json:"units"`
	Datatype string `json:"datatype"`
}

// ModelValues are the values of one model measure in a model run.
type ModelValues struct {
	MeasureName string   `json:"measure_name"`
	Values      []Float  `json:"values"`
	Timestamps  []string `json:"timestamps"`
}

// NewModelValues returns the float values of a model measure, values[i] at ts[i].
func NewModelValues(measure string, ts []time.Time, values []float64) (ModelValues, error) {
	if len(ts) != len(values) {
		return ModelValues{}, fmt.Errorf("servicesdk: %d timestamps but %d values", len(ts), len(values))
	}
	return ModelValues{MeasureName: measure, Values: Floats(values), Timestamps: FormatTimes(ts)}, nil
}

// SensorMeasureRef names the sensor measure a model run predicts.
type SensorMeasureRef struct {
	Name  string `json:"name"`
	Units string `json:"units"`
}

// ModelRun is the payload of PathInsertModelRun.
type ModelRun struct {
	ModelName           string            `json:"model_name"`
	ScenarioDescription string            `json:"scenario_description"`
	MeasuresAndValues   []ModelValues     `json:"measures_and_values"`
	TimeCreated         string            `json:"time_created,omitempty"` // FormatTime; the backend's now when empty
	CreateScenario      bool              `json:"create_scenario,omitempty"`
	SensorUniqueID      string            `json:"sensor_unique_id,omitempty"`
	SensorMeasure       *SensorMeasureRef `json:"sensor_measure,omitempty"`
}

// ModelCalls returns the calls of a model service in the order the original's models post them:
// the model, its scenario, the model measures, then the runs (whose ModelName and
// ScenarioDescription are set to model and scenario).
func ModelCalls(model, scenario string, measures []ModelMeasure, runs []ModelRun) []Call {
	calls := []Call{
		{Path: PathInsertModel, Payload: map[string]string{"name": model}},
		{Path: PathInsertModelScenario, Payload: map[string]string{"model_name": model, "description": scenario}},
	}
	for _, m := range measures {
		calls = append(calls, Call{Path: PathInsertModelMeasure, Payload: m})
	}
	for _, r := range runs {
		r.ModelName, r.ScenarioDescription = model, scenario
		calls = append(calls, Call{Path: PathInsertModelRun, Payload: r})
	}
	return calls
}
