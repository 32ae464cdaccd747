import type { Page } from '../page';
import type { Detail, Location, LocationSchema, Measure, Sensor, SensorLocation, SensorType } from '../types';
import { parseReadingsText } from '../lib/csv';
import { errorText } from '../lib/errors';
import { fmtTime, fromInput, isoUTC, toInput } from '../lib/time';
import { parseTyped } from '../lib/validate';
import { h, option, replace } from '../ui/dom';
import { alertBox, confirmDialog, flash, flashNext, spinner } from '../ui/feedback';
import { card, field, handleSubmit, input, select, submitButton, textarea, Validator } from '../ui/forms';
import { DataTable } from '../ui/table';
import { badges, buttonLink, emptyState, link, measureLabel, pageHeader, q } from './common';
import { measuresEditor } from './measures-editor';

const sensorLink = (uid: string, text?: string) => link(q('/sensors/view', { uid }), text ?? uid);

export const sensorsPage: Page = {
  title: 'Sensors',
  async render({ api, root, signal, params, setParams }) {
    replace(root, pageHeader('Sensors', 'Sensors, their types and the measures they report',
      buttonLink('/sensors/new', '+ Add sensor'), buttonLink('/sensors/new-type', '+ Add sensor type', 'btn-outline-primary')), spinner('Loading sensors'));
    const [types, sensors] = await Promise.all([
      api.get<SensorType[]>('/sensor/list-sensor-types', { signal }),
      api.post<Sensor[]>('/sensor/list-sensors', {}, { signal }),
    ]);
    root.querySelector('[role=status]')?.remove();

    const typeFilter = select({ class: 'form-select form-select-sm w-auto', 'aria-label': 'Sensor type' },
      option('', 'All sensor types'), ...types.map((t) => option(t.name, t.name, params.get('type') === t.name)));
    const table = new DataTable<Sensor>([
      { key: 'uid', label: 'Unique identifier', value: (s) => s.unique_identifier, render: (s) => sensorLink(s.unique_identifier) },
      { key: 'name', label: 'Name', value: (s) => s.name },
      { key: 'type', label: 'Type', value: (s) => s.sensor_type_name },
      { key: 'notes', label: 'Notes', value: (s) => s.notes, className: 'dt-wrap' },
      { key: 'created', label: 'Created (UTC)', value: (s) => s.time_created ?? '', render: (s) => fmtTime(s.time_created), className: 'text-nowrap' },
      { key: 'actions', label: '', value: () => '', sortable: false, searchable: false,
        render: (s) => h('a', { class: 'btn btn-sm btn-outline-secondary', href: q('/readings', { sensors: s.unique_identifier }) }, 'Readings') },
    ], { label: 'Sensors', name: 'sensors', empty: 'No sensors yet.', sort: { key: 'uid', dir: 'asc' }, toolbar: typeFilter });
    const show = () => {
      const t = typeFilter.value;
      table.setRows(t ? sensors.filter((s) => s.sensor_type_name === t) : sensors);
      const p = new URLSearchParams(params);
      if (t) p.set('type', t);
      else p.delete('type');
      setParams(p);
    };
    typeFilter.addEventListener('change', show);
    show();

    const counts = new Map<string, number>();
    sensors.forEach((s) => counts.set(s.sensor_type_name ?? '', (counts.get(s.sensor_type_name ?? '') ?? 0) + 1));
    const typeTable = new DataTable<SensorType>([
      { key: 'name', label: 'Name', value: (t) => t.name },
      { key: 'description', label: 'Description', value: (t) => t.description, className: 'dt-wrap' },
      { key: 'measures', label: 'Measures', value: (t) => t.measures.map(measureLabel).join(', '), render: (t) => badges(t.measures.map(measureLabel)) },
      { key: 'count', label: 'Sensors', value: (t) => counts.get(t.name) ?? 0, numeric: true },
      { key: 'actions', label: '', value: () => '', sortable: false, searchable: false, render: (t) => {
        const n = counts.get(t.name) ?? 0;
        const b = h('button', { type: 'button', class: 'btn btn-sm btn-outline-danger', disabled: n > 0,
          title: n > 0 ? 'Delete its sensors first' : `Delete ${t.name}` }, 'Delete');
        b.addEventListener('click', async () => {
          if (!(await confirmDialog('Delete sensor type', `Delete the sensor type "${t.name}"? Its measures stay.`))) return;
          try {
            await api.post<Detail>('/sensor/delete-sensor-type', { type_name: t.name });
            types.splice(types.indexOf(t), 1);
            typeTable.setRows(types);
            typeFilter.querySelector(`option[value="${CSS.escape(t.name)}"]`)?.remove();
            flash('success', `Sensor type "${t.name}" deleted.`);
          } catch (e) {
            flash('danger', `Could not delete "${t.name}": ${errorText(e)}`);
          }
        });
        return b;
      } },
    ], { label: 'Sensor types', name: 'sensor-types', empty: 'No sensor types yet: add one to start.', pageSize: 10 });
    typeTable.setRows(types);

    root.append(card(`Sensors (${sensors.length})`, table.el), card('Sensor types', typeTable.el));
  },
};

export const newSensorTypePage: Page = {
  title: 'Add sensor type',
  async render({ api, root, signal, navigate }) {
    replace(root, pageHeader('Add a sensor type', 'A type lists the measures its sensors report'), spinner());
    const [types, measures] = await Promise.all([
      api.get<SensorType[]>('/sensor/list-sensor-types', { signal }),
      api.get<Measure[]>('/sensor/list-measures', { signal }),
    ]);
    const name = input({ name: 'name', required: true, maxlength: '100', autocomplete: 'off' });
    const description = textarea({ name: 'description', rows: '2' });
    const editor = measuresEditor(measures, 'measure');
    const form = h('form', { 'aria-label': 'New sensor type' },
      field('Name', name), field('Description', description, 'Optional.'), editor.el,
      h('div', { class: 'd-flex gap-2' }, submitButton('Add sensor type'), h('a', { href: '/sensors', class: 'btn btn-outline-secondary' }, 'Cancel')));
    handleSubmit(form, async () => {
      const v = new Validator();
      const n = name.value.trim();
      v.check(name, !n ? 'Give the sensor type a name.' : types.some((t) => t.name === n) ? `The sensor type "${n}" exists already.` : null);
      const ms = editor.collect();
      if (!v.ok() || !ms) return;
      await api.post<Detail>('/sensor/insert-sensor-type', {
        name: n, description: description.value.trim() || null,
        measures: ms.map((m) => ({ name: m.name, units: m.units, datatype: m.datatype })),
      });
      flashNext('success', `Sensor type "${n}" added.`);
      navigate(q('/sensors/new', { type: n }));
    });
    if (measures.length === 0) editor.addNew();
    replace(root, pageHeader('Add a sensor type', 'A type lists the measures its sensors report'), h('div', { class: 'dt-wide-form' }, card(null, form)));
  },
};

export const newSensorPage: Page = {
  title: 'Add sensor',
  async render({ api, root, signal, params, navigate }) {
    replace(root, pageHeader('Add a sensor'), spinner());
    const [types, sensors] = await Promise.all([
      api.get<SensorType[]>('/sensor/list-sensor-types', { signal }),
      api.post<Sensor[]>('/sensor/list-sensors', {}, { signal }),
    ]);
    if (types.length === 0) {
      replace(root, pageHeader('Add a sensor'), card(null, emptyState('Every sensor has a type, and there are none yet.', buttonLink('/sensors/new-type', 'Add a sensor type'))));
      return;
    }
    const type = select({ name: 'type_name', required: true }, option('', 'Choose…'),
      ...types.map((t) => option(t.name, `${t.name} — ${t.measures.map((m) => m.name).join(', ') || 'no measures'}`, params.get('type') === t.name)));
    const uid = input({ name: 'unique_identifier', required: true, maxlength: '100', autocomplete: 'off' });
    const name = input({ name: 'name', maxlength: '100' });
    const notes = textarea({ name: 'notes', rows: '3' });
    const form = h('form', { 'aria-label': 'New sensor' },
      field('Sensor type', type),
      field('Unique identifier', uid, 'A serial number or any text that names this sensor uniquely.'),
      field('Name', name, 'Optional: a readable name.'),
      field('Notes', notes, 'Optional.'),
      h('div', { class: 'd-flex gap-2' }, submitButton('Add sensor'), h('a', { href: '/sensors', class: 'btn btn-outline-secondary' }, 'Cancel')));
    handleSubmit(form, async () => {
      const v = new Validator();
      const id = uid.value.trim();
      v.check(type, !type.value ? 'Choose the sensor type.' : null);
      v.check(uid, !id ? 'Give the sensor a unique identifier.' : sensors.some((s) => s.unique_identifier === id) ? `A sensor "${id}" exists already.` : null);
      if (!v.ok()) return;
      await api.post<Detail>('/sensor/insert-sensor', { type_name: type.value, unique_identifier: id, name: name.value.trim() || null, notes: notes.value.trim() || null });
      flashNext('success', `Sensor "${id}" added.`);
      navigate(q('/sensors/view', { uid: id }));
    });
    replace(root, pageHeader('Add a sensor'), h('div', { class: 'dt-narrow' }, card(null, form)));
  },
};

export const sensorPage: Page = {
  title: 'Sensor',
  async render(ctx) {
    const { api, root, signal, params, navigate } = ctx;
    const uid = params.get('uid') ?? '';
    replace(root, pageHeader(uid || 'Sensor'), spinner('Loading the sensor'));
    const [sensors, types, history, schemas] = await Promise.all([
      api.post<Sensor[]>('/sensor/list-sensors', {}, { signal }),
      api.get<SensorType[]>('/sensor/list-sensor-types', { signal }),
      api.post<SensorLocation[]>('/sensor/list-sensor-locations', { unique_identifier: uid }, { signal }),
      api.get<LocationSchema[]>('/location/list-location-schemas', { signal }),
    ]);
    const sensor = sensors.find((s) => s.unique_identifier === uid);
    if (!sensor) {
      replace(root, pageHeader('Sensor not found'), alertBox('warning', `There is no sensor with the unique identifier "${uid}".`, false), link('/sensors', '← All sensors'));
      return;
    }
    const type = types.find((t) => t.name === sensor.sensor_type_name);
    const measures = type?.measures ?? [];
    document.title = `DTBase | Sensor ${uid}`;

    const del = h('button', { type: 'button', class: 'btn btn-outline-danger' }, 'Delete sensor');
    del.addEventListener('click', async () => {
      if (!(await confirmDialog('Delete sensor', `Delete the sensor "${uid}" with all its readings and location history? This cannot be undone.`))) return;
      try {
        await api.post<Detail>('/sensor/delete-sensor', { unique_identifier: uid });
        flashNext('success', `Sensor "${uid}" deleted.`);
        navigate('/sensors');
      } catch (e) {
        flash('danger', `Could not delete the sensor: ${errorText(e)}`);
      }
    });

    // Details and editing.
    const name = input({ name: 'name', value: sensor.name ?? '', maxlength: '100' });
    const notes = textarea({ name: 'notes', rows: '3', value: sensor.notes ?? '' });
    const editForm = h('form', { 'aria-label': 'Edit sensor' }, field('Name', name), field('Notes', notes), submitButton('Save changes'));
    handleSubmit(editForm, async () => {
      await api.post<Detail>('/sensor/edit-sensor', { unique_identifier: uid, name: name.value.trim(), notes: notes.value.trim() });
      flash('success', 'Sensor saved.');
    });
    const details = h('dl', { class: 'row mb-0 dt-dl' },
      h('dt', { class: 'col-sm-4' }, 'Unique identifier'), h('dd', { class: 'col-sm-8 text-break' }, uid),
      h('dt', { class: 'col-sm-4' }, 'Type'), h('dd', { class: 'col-sm-8' }, link(q('/sensors', { type: sensor.sensor_type_name }), sensor.sensor_type_name ?? '')),
      h('dt', { class: 'col-sm-4' }, 'Created'), h('dd', { class: 'col-sm-8' }, sensor.time_created ? `${fmtTime(sensor.time_created)} UTC` : '—'),
      h('dt', { class: 'col-sm-4' }, 'Measures'), h('dd', { class: 'col-sm-8' }, measures.length ? badges(measures.map(measureLabel)) : 'none'));

    // Adding readings by hand or from a CSV file.
    const measure = select({ name: 'measure' }, ...measures.map((m) => option(m.name, measureLabel(m))));
    const lines = textarea({ name: 'readings', rows: '5', class: 'form-control font-monospace', placeholder: '2024-03-01T10:00:00Z, 21.5\n2024-03-01T11:00:00Z, 21.9' });
    const file = h('input', { type: 'file', class: 'form-control', accept: '.csv,.txt,text/csv,text/plain', 'aria-label': 'Read a CSV file' });
    file.addEventListener('change', async () => {
      const f = file.files?.[0];
      if (f) lines.value = await f.text();
    });
    const readingsForm = h('form', { 'aria-label': 'Add readings' },
      field('Measure', measure),
      field('Readings', lines, 'One "timestamp, value" per line; times without a zone are UTC. A header line is skipped.'),
      h('div', { class: 'mb-3' }, h('label', { class: 'form-label small' }, 'Or read a CSV file'), file),
      submitButton('Add readings'));
    handleSubmit(readingsForm, async () => {
      const m = measures.find((x) => x.name === measure.value);
      const v = new Validator();
      const parsed = parseReadingsText(lines.value);
      if (!v.check(lines, 'error' in parsed ? parsed.error : null) || !m || 'error' in parsed) {
        v.ok();
        return;
      }
      const values = [];
      for (let i = 0; i < parsed.rows.length; i++) {
        const r = parsed.rows[i]!;
        const t = parseTyped(r.value, m.datatype);
        if ('error' in t) {
          v.check(lines, `Reading ${i + 1} (${r.timestamp}): ${t.error} The measure ${m.name} holds ${m.datatype} values.`);
          v.ok();
          return;
        }
        values.push(t.value);
      }
      await api.post<Detail>('/sensor/insert-sensor-readings', {
        unique_identifier: uid, measure_name: m.name, readings: values, timestamps: parsed.rows.map((r) => r.timestamp),
      });
      flash('success', `Added ${values.length} reading${values.length === 1 ? '' : 's'} of ${m.name} (readings at times that already had one are kept as they were).`);
      lines.value = '';
      file.value = '';
    });

    // Location history: its columns are the identifiers of the locations in it.
    const histWrap = h('div');
    const showHistory = (entries: SensorLocation[]) => {
      const keys = [...new Set(entries.flatMap((e) => Object.keys(e)))].filter((k) => k !== 'id' && k !== 'installation_datetime');
      const table = new DataTable<SensorLocation>([
        { key: 'installed', label: 'Installed (UTC)', value: (e) => e.installation_datetime, render: (e) => fmtTime(e.installation_datetime), className: 'text-nowrap' },
        { key: 'id', label: 'Location id', value: (e) => e.id, numeric: true },
        ...keys.map((k) => ({ key: `c-${k}`, label: k, value: (e: SensorLocation) => e[k] ?? null })),
      ], { search: false, label: 'Location history', name: 'sensor-locations', empty: 'No location recorded yet.', sort: { key: 'installed', dir: 'desc' } });
      table.setRows(entries);
      replace(histWrap, table.el);
    };
    showHistory(history);

    const schemaSel = select({ name: 'schema' }, option('', schemas.length ? 'Choose a location schema…' : 'No location schemas yet'), ...schemas.map((s) => option(s.name, s.name)));
    const locSel = select({ name: 'location', disabled: true }, option('', 'Choose a schema first'));
    const when = input({ type: 'datetime-local', name: 'installation_datetime', value: toInput(Date.now()), step: '1' });
    let locations: Location[] = [];
    schemaSel.addEventListener('change', async () => {
      locSel.disabled = true;
      locSel.replaceChildren(option('', 'Loading…'));
      const schema = schemas.find((s) => s.name === schemaSel.value);
      if (!schema) {
        locSel.replaceChildren(option('', 'Choose a schema first'));
        return;
      }
      try {
        locations = await api.post<Location[]>('/location/list-locations', { schema_name: schema.name }, { signal });
        const label = (l: Location) => schema.identifiers.map((i) => `${i.name}=${String(l[i.name])}`).join(', ');
        locSel.replaceChildren(option('', locations.length ? 'Choose a location…' : 'This schema has no locations yet'), ...locations.map((l) => option(String(l.id), label(l))));
        locSel.disabled = locations.length === 0;
      } catch (e) {
        locSel.replaceChildren(option('', 'Could not load locations'));
        flash('danger', errorText(e));
      }
    });
    const locForm = h('form', { 'aria-label': 'Add sensor location' },
      h('div', { class: 'row g-2' },
        h('div', { class: 'col-md-4' }, field('Location schema', schemaSel)),
        h('div', { class: 'col-md-5' }, field('Location', locSel, h('span', null, 'Locations are added on the ', link('/locations/new', 'new location'), ' page.'))),
        h('div', { class: 'col-md-3' }, field('Installed at (UTC)', when))),
      submitButton('Add location'));
    handleSubmit(locForm, async () => {
      const v = new Validator();
      v.check(schemaSel, !schemaSel.value ? 'Choose a location schema.' : null);
      v.check(locSel, schemaSel.value && !locSel.value ? 'Choose a location.' : null);
      const at = fromInput(when.value);
      v.check(when, !at ? 'Enter the date and time of installation.' : null);
      if (!v.ok() || !at) return;
      const loc = locations.find((l) => String(l.id) === locSel.value);
      const schema = schemas.find((s) => s.name === schemaSel.value);
      if (!loc || !schema) return;
      const coordinates = Object.fromEntries(schema.identifiers.map((i) => [i.name, loc[i.name]]));
      await api.post<Detail>('/sensor/insert-sensor-location', { unique_identifier: uid, schema_name: schema.name, coordinates, installation_datetime: isoUTC(at) });
      flash('success', 'Location added to the sensor’s history.');
      showHistory(await api.post<SensorLocation[]>('/sensor/list-sensor-locations', { unique_identifier: uid }, { signal }));
    });

    replace(root,
      pageHeader(sensor.name || uid, sensor.name ? uid : `Sensor of type ${sensor.sensor_type_name ?? ''}`,
        h('a', { class: 'btn btn-primary', href: q('/readings', { sensors: uid }) }, 'Plot readings'), del),
      h('div', { class: 'row g-4 mb-4' },
        h('div', { class: 'col-lg-6' }, card('Details', details, h('hr'), editForm)),
        h('div', { class: 'col-lg-6' }, card('Add readings', measures.length ? readingsForm : emptyState('This sensor’s type has no measures.')))),
      card('Location history', histWrap, h('hr'), locForm));
  },
};
