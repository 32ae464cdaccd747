import type { Page } from '../page';
import type { Detail, Identifier, Location, LocationSchema } from '../types';
import { errorText } from '../lib/errors';
import { parseTyped } from '../lib/validate';
import { h, option, replace } from '../ui/dom';
import { confirmDialog, flash, flashNext, spinner } from '../ui/feedback';
import { card, field, handleSubmit, input, select, submitButton, textarea, Validator } from '../ui/forms';
import { DataTable } from '../ui/table';
import { badges, buttonLink, emptyState, measureLabel, pageHeader, q } from './common';
import { measuresEditor } from './measures-editor';

export const locationsPage: Page = {
  title: 'Locations',
  async render({ api, root, signal, params, setParams }) {
    const header = pageHeader('Locations', 'Location schemas and the locations described with them',
      buttonLink('/locations/new', '+ Add location'), buttonLink('/locations/new-schema', '+ Add location schema', 'btn-outline-primary'));
    replace(root, header, spinner('Loading location schemas'));
    const schemas = await api.get<LocationSchema[]>('/location/list-location-schemas', { signal });

    const schemaSel = select({ class: 'form-select form-select-sm w-auto', 'aria-label': 'Location schema' },
      ...schemas.map((s) => option(s.name, s.name, params.get('schema') === s.name)));
    const locWrap = h('div');
    const locCard = card(h('div', { class: 'd-flex align-items-center gap-2' }, h('span', null, 'Locations of schema'), schemaSel), locWrap);

    const showLocations = async () => {
      const schema = schemas.find((s) => s.name === schemaSel.value);
      if (!schema) {
        replace(locWrap, emptyState('There are no location schemas yet.', buttonLink('/locations/new-schema', 'Add a location schema')));
        return;
      }
      const p = new URLSearchParams(params);
      p.set('schema', schema.name);
      setParams(p);
      replace(locWrap, spinner('Loading locations'));
      const locations = await api.post<Location[]>('/location/list-locations', { schema_name: schema.name }, { signal });
      const table: DataTable<Location> = new DataTable<Location>([
        { key: 'id', label: 'Id', value: (l) => l.id, numeric: true },
        ...schema.identifiers.map((i) => ({
          key: `i-${i.name}`, label: i.units ? `${i.name} (${i.units})` : i.name, value: (l: Location) => l[i.name] ?? null,
          numeric: i.datatype === 'float' || i.datatype === 'integer',
        })),
        { key: 'actions', label: '', value: () => '', sortable: false, searchable: false, render: (l) => {
          const b = h('button', { type: 'button', class: 'btn btn-sm btn-outline-danger' }, 'Delete');
          b.addEventListener('click', async () => {
            const coordinates = Object.fromEntries(schema.identifiers.map((i) => [i.name, l[i.name]]));
            const text = schema.identifiers.map((i) => `${i.name} = ${String(l[i.name])}`).join(', ');
            if (!(await confirmDialog('Delete location', `Delete the location ${text}?`))) return;
            try {
              await api.post<Detail>('/location/delete-location', { schema_name: schema.name, coordinates });
              locations.splice(locations.indexOf(l), 1);
              table.setRows(locations);
              flash('success', `Location ${text} deleted.`);
            } catch (e) {
              flash('danger', `Could not delete the location: ${errorText(e)}`);
            }
          });
          return b;
        } },
      ], { label: `Locations of ${schema.name}`, name: 'locations', empty: 'No locations in this schema yet.', sort: { key: 'id', dir: 'asc' },
        toolbar: h('a', { class: 'btn btn-sm btn-outline-primary ms-auto', href: q('/locations/new', { schema: schema.name }) }, '+ Add location') });
      table.setRows(locations);
      replace(locWrap, table.el);
    };
    schemaSel.addEventListener('change', () => void showLocations().catch((e) => flash('danger', errorText(e))));

    const schemaTable: DataTable<LocationSchema> = new DataTable<LocationSchema>([
      { key: 'name', label: 'Name', value: (s) => s.name },
      { key: 'description', label: 'Description', value: (s) => s.description, className: 'dt-wrap' },
      { key: 'identifiers', label: 'Identifiers', value: (s) => s.identifiers.map(measureLabel).join(', '), render: (s) => badges(s.identifiers.map(measureLabel)) },
      { key: 'actions', label: '', value: () => '', sortable: false, searchable: false, render: (s) => h('div', { class: 'd-flex gap-1 justify-content-end' },
        h('button', { type: 'button', class: 'btn btn-sm btn-outline-secondary', onclick: () => {
          schemaSel.value = s.name;
          void showLocations().catch((e) => flash('danger', errorText(e)));
          locCard.scrollIntoView({ behavior: 'smooth' });
        } }, 'Locations'),
        (() => {
          const b = h('button', { type: 'button', class: 'btn btn-sm btn-outline-danger' }, 'Delete');
          b.addEventListener('click', async () => {
            if (!(await confirmDialog('Delete location schema', `Delete the schema "${s.name}"? Delete its locations first.`))) return;
            try {
              const r = await api.post<Detail>('/location/delete-location-schema', { schema_name: s.name });
              schemas.splice(schemas.indexOf(s), 1);
              schemaTable.setRows(schemas);
              schemaSel.querySelector(`option[value="${CSS.escape(s.name)}"]`)?.remove();
              void showLocations();
              flash('success', r.detail);
            } catch (e) {
              flash('danger', `Could not delete "${s.name}": ${errorText(e)}`);
            }
          });
          return b;
        })()) },
    ], { label: 'Location schemas', name: 'location-schemas', empty: 'No location schemas yet.', pageSize: 10 });
    schemaTable.setRows(schemas);
    replace(root, header, card('Location schemas', schemaTable.el), locCard);
    await showLocations();
  },
};

export const newSchemaPage: Page = {
  title: 'Add location schema',
  async render({ api, root, signal, navigate }) {
    const header = pageHeader('Add a location schema', 'A schema names the coordinates that describe a location, e.g. x and y in metres');
    replace(root, header, spinner());
    const [schemas, identifiers] = await Promise.all([
      api.get<LocationSchema[]>('/location/list-location-schemas', { signal }),
      api.get<Identifier[]>('/location/list-location-identifiers', { signal }),
    ]);
    const name = input({ name: 'name', required: true, maxlength: '100', autocomplete: 'off' });
    const description = textarea({ name: 'description', rows: '2' });
    const editor = measuresEditor(identifiers, 'identifier');
    const form = h('form', { 'aria-label': 'New location schema' },
      field('Name', name), field('Description', description, 'Optional.'), editor.el,
      h('div', { class: 'd-flex gap-2' }, submitButton('Add location schema'), h('a', { href: '/locations', class: 'btn btn-outline-secondary' }, 'Cancel')));
    handleSubmit(form, async () => {
      const v = new Validator();
      const n = name.value.trim();
      v.check(name, !n ? 'Give the schema a name.' : schemas.some((s) => s.name === n) ? `The schema "${n}" exists already.` : null);
      const ids = editor.collect();
      if (!v.ok() || !ids) return;
      await api.post<Detail>('/location/insert-location-schema', { name: n, description: description.value.trim() || null, identifiers: ids });
      flashNext('success', `Location schema "${n}" added.`);
      navigate(q('/locations/new', { schema: n }));
    });
    if (identifiers.length === 0) editor.addNew();
    replace(root, header, h('div', { class: 'dt-wide-form' }, card(null, form)));
  },
};

export const newLocationPage: Page = {
  title: 'Add location',
  async render({ api, root, signal, params, setParams }) {
    const header = pageHeader('Add a location');
    replace(root, header, spinner());
    const schemas = await api.get<LocationSchema[]>('/location/list-location-schemas', { signal });
    if (!schemas.length) {
      replace(root, header, card(null, emptyState('Every location follows a schema, and there are none yet.', buttonLink('/locations/new-schema', 'Add a location schema'))));
      return;
    }
    const schemaSel = select({ name: 'schema_name' }, ...schemas.map((s) => option(s.name, s.name, params.get('schema') === s.name)));
    const inputsWrap = h('div');
    let controls: { id: Identifier; el: HTMLInputElement | HTMLSelectElement }[] = [];
    const build = () => {
      const schema = schemas.find((s) => s.name === schemaSel.value);
      controls = (schema?.identifiers ?? []).map((id) => ({
        id,
        el: id.datatype === 'boolean'
          ? select({ name: `identifier_${id.name}` }, option('', 'Choose…'), option('true', 'true'), option('false', 'false'))
          : input({ name: `identifier_${id.name}`, inputmode: id.datatype === 'string' ? null : id.datatype === 'integer' ? 'numeric' : 'decimal', autocomplete: 'off' }),
      }));
      replace(inputsWrap, h('div', { class: 'row g-2' }, ...controls.map((c) => h('div', { class: 'col-md-4' },
        field(`${c.id.name} (${c.id.units ? `${c.id.units}, ` : ''}${c.id.datatype})`, c.el)))));
      const p = new URLSearchParams(params);
      p.set('schema', schemaSel.value);
      setParams(p);
    };
    schemaSel.addEventListener('change', build);
    build();
    const form = h('form', { 'aria-label': 'New location' }, field('Location schema', schemaSel), inputsWrap,
      h('div', { class: 'd-flex gap-2' }, submitButton('Add location'), h('a', { href: '/locations', class: 'btn btn-outline-secondary', id: 'to-table' }, 'Show locations')));
    handleSubmit(form, async () => {
      const v = new Validator();
      const coordinates: Record<string, unknown> = {};
      for (const c of controls) {
        const text = c.el.value;
        if (text.trim() === '') {
          v.check(c.el, `Enter the ${c.id.name}.`);
          continue;
        }
        const r = parseTyped(text, c.id.datatype);
        if (v.check(c.el, 'error' in r ? r.error : null) && 'value' in r) coordinates[c.id.name] = r.value;
      }
      if (!v.ok()) return;
      await api.post<Detail>('/location/insert-location-for-schema', { schema_name: schemaSel.value, coordinates });
      flash('success', `Location added to ${schemaSel.value}: ${Object.entries(coordinates).map(([k, x]) => `${k} = ${String(x)}`).join(', ')}.`);
      controls.forEach((c) => (c.el.value = ''));
      controls[0]?.el.focus();
    });
    form.querySelector('#to-table')?.addEventListener('click', (e) => {
      (e.currentTarget as HTMLAnchorElement).href = q('/locations', { schema: schemaSel.value });
    });
    replace(root, header, h('div', { class: 'dt-narrow' }, card(null, form)));
  },
};
