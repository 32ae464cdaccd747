// The list of measures (sensor types) or identifiers (location schemas) in a "new" form: existing
// ones picked from a list, new ones typed in with name, units and datatype.

import type { Measure } from '../types';
import { datatypes } from '../lib/validate';
import { h, option } from '../ui/dom';
import { input, select, setError } from '../ui/forms';
import { measureLabel } from './common';

interface Row {
  existing: Measure | null;
  name: HTMLInputElement;
  units: HTMLInputElement;
  datatype: HTMLSelectElement;
  el: HTMLElement;
}

export interface MeasuresEditor {
  el: HTMLElement;
  /** Checks the rows; returns the measures, or null after marking the problems. */
  collect(): Measure[] | null;
  addNew(name?: string, units?: string, datatype?: string): void;
}

export function measuresEditor(existing: Measure[], noun: string): MeasuresEditor {
  const rows: Row[] = [];
  const list = h('div', { class: 'vstack gap-2', 'data-rows': noun });
  const error = h('div', { class: 'text-danger small d-none' });
  const pick = select({ 'aria-label': `Add an existing ${noun}` });
  const refreshPick = () => {
    const used = new Set(rows.filter((r) => r.existing).map((r) => key(r.existing as Measure)));
    pick.replaceChildren(option('', existing.length ? `Add an existing ${noun}…` : `No existing ${noun}s yet`),
      ...existing.filter((m) => !used.has(key(m))).map((m) => option(key(m), measureLabel(m))));
    pick.disabled = existing.length === 0;
  };
  const key = (m: Measure) => JSON.stringify([m.name, m.units]);

  const addRow = (m: Measure | null, name = '', units = '', datatype = 'float') => {
    const nameIn = input({ placeholder: 'Name', 'aria-label': `${noun} name`, value: m?.name ?? name, readonly: !!m, maxlength: '100' });
    const unitsIn = input({ placeholder: 'Units (optional)', 'aria-label': `${noun} units`, value: m?.units ?? units, readonly: !!m, maxlength: '100' });
    const dt = select({ 'aria-label': `${noun} datatype`, disabled: !!m }, ...datatypes.map((d) => option(d, d, (m?.datatype ?? datatype) === d)));
    const row: Row = { existing: m, name: nameIn, units: unitsIn, datatype: dt, el: h('div') };
    const remove = h('button', { type: 'button', class: 'btn btn-outline-danger', 'aria-label': `Remove ${noun}`, title: 'Remove' }, '✕');
    remove.addEventListener('click', () => {
      rows.splice(rows.indexOf(row), 1);
      row.el.remove();
      refreshPick();
    });
    row.el = h('div', { class: 'row g-2 align-items-start dt-measure-row' },
      h('div', { class: 'col-md-5' }, nameIn, h('div', { class: 'invalid-feedback' })),
      h('div', { class: 'col-md-3' }, unitsIn),
      h('div', { class: 'col-md-3' }, dt),
      h('div', { class: 'col-md-1 d-flex gap-1' }, remove, m ? h('span', { class: 'badge text-bg-light border align-self-center' }, 'existing') : null));
    nameIn.id = `m-${Math.random().toString(36).slice(2)}`;
    rows.push(row);
    list.appendChild(row.el);
    refreshPick();
    if (!m) nameIn.focus();
  };

  pick.addEventListener('change', () => {
    const m = existing.find((x) => key(x) === pick.value);
    if (m) addRow(m);
  });
  refreshPick();
  const addBtn = h('button', { type: 'button', class: 'btn btn-outline-primary', onclick: () => addRow(null) }, `+ New ${noun}`);

  return {
    el: h('fieldset', { class: 'mb-3' },
      h('legend', { class: 'form-label fs-6 mb-2' }, `${noun[0]?.toUpperCase()}${noun.slice(1)}s`),
      h('div', { class: 'row g-2 small text-body-secondary mb-1 d-none d-md-flex' },
        h('div', { class: 'col-md-5' }, 'Name'), h('div', { class: 'col-md-3' }, 'Units'), h('div', { class: 'col-md-3' }, 'Datatype')),
      list, error,
      h('div', { class: 'd-flex flex-wrap gap-2 mt-2' }, h('div', { class: 'flex-grow-1 dt-pick' }, pick), addBtn)),
    addNew: (name, units, datatype) => addRow(null, name, units, datatype),
    collect() {
      error.classList.add('d-none');
      let ok = true;
      if (rows.length === 0) {
        error.textContent = `Add at least one ${noun}.`;
        error.classList.remove('d-none');
        return null;
      }
      const seen = new Set<string>();
      const out: Measure[] = [];
      for (const r of rows) {
        const name = r.name.value.trim();
        const units = r.units.value.trim() || null;
        const datatype = r.datatype.value;
        let msg: string | null = null;
        if (!name) msg = `Give the ${noun} a name.`;
        else if (seen.has(name.toLowerCase() + '\u0000' + (units ?? ''))) msg = `This ${noun} is listed twice.`;
        else if (!r.existing) {
          const same = existing.find((m) => m.name === name && (m.units ?? null) === units);
          const clash = existing.find((m) => m.name === name && m.datatype !== datatype);
          if (same) msg = `A ${noun} "${measureLabel(same)}" exists already: pick it from the existing ${noun}s.`;
          else if (clash) msg = `A ${noun} named "${name}" exists already as ${clash.datatype}; use another name or the same datatype.`;
        }
        setError(r.name, msg);
        if (msg) ok = false;
        seen.add(name.toLowerCase() + '\u0000' + (units ?? ''));
        out.push(r.existing ? { ...r.existing } : { name, units, datatype });
      }
      return ok ? out : null;
    },
  };
}
