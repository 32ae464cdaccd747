// Shapes of the API's answers (api-contract §2 and the Go backend's additions).

import type { Value } from './lib/series';

export interface Measure {
  name: string;
  units: string | null;
  datatype: string;
}
export interface SensorType {
  name: string;
  description: string | null;
  measures: Measure[];
}
export interface Sensor {
  unique_identifier: string;
  name: string | null;
  notes: string | null;
  id?: number;
  sensor_type_name?: string;
  time_created?: string;
}
export interface Reading {
  value: Value;
  timestamp: string;
}
export interface Identifier {
  name: string;
  units: string | null;
  datatype: string;
}
export interface LocationSchema {
  name: string;
  description: string | null;
  identifiers: Identifier[];
}
export type Location = { id: number } & Record<string, Value>;
export type SensorLocation = { id: number; installation_datetime: string } & Record<string, Value>;
export interface Model {
  name: string;
}
export interface Scenario {
  model_name: string;
  description: string | null;
}
export interface ModelRun {
  id: number;
  model_id: number;
  model_name: string;
  scenario_id: number;
  scenario_description: string | null;
  time_created: string;
  sensor_unique_id: string | null;
  sensor_measure: { name: string | null; units: string | null } | null;
}
export interface Service {
  name: string;
  url: string;
  http_method: string;
}
export interface ParameterSet {
  service_name: string;
  name: string;
  parameters: Record<string, unknown>;
}
export interface ServiceRun {
  service_name: string;
  parameter_set_name: string | null;
  parameters: unknown;
  response_json: unknown;
  response_status_code: number;
  timestamp: string;
  error?: string;
}
export interface Schedule {
  service_name: string;
  name: string;
  parameter_set_name: string | null;
  parameters: unknown;
  cron: string;
  enabled: boolean;
  next_due: string | null;
  last_run: string | null;
  last_status: number | null;
  last_error: string | null;
}
export interface Detail {
  detail: string;
}
