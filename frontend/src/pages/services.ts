import type { Page, PageContext } from '../page';
import type { Detail, ParameterSet, Schedule, Service, ServiceRun } from '../types';
import { ApiError, errorText } from '../lib/errors';
import { ago, fmtTime } from '../lib/time';
import { checkCron, describeCron, isHttpUrl, parseJSONParameters } from '../lib/validate';
import { h, option, replace } from '../ui/dom';
import { alertBox, confirmDialog, dialog, flash, flashNext, spinner } from '../ui/feedback';
import { card, field, handleSubmit, input, select, submitButton, textarea, Validator } from '../ui/forms';
import { DataTable } from '../ui/table';
import { compactJSON, jsonBlock, link, pageHeader, q, statusBadge } from './common';

const methods = ['POST', 'GET', 'PUT', 'DELETE'];

export const servicesPage: Page = {
  title: 'Services',
  async render({ api, root, signal, navigate }) {
    const header = pageHeader('Services', 'Ingress, models and other services that DTBase calls over HTTP');
    replace(root, header, spinner('Loading services'));
    const [services, runs, schedules] = await Promise.all([
      api.get<Service[]>('/service/list-services', { signal }),
      api.post<ServiceRun[]>('/service/list-runs', {}, { signal }),
      api.post<Schedule[]>('/service/list-schedules', {}, { signal }).catch(() => [] as Schedule[]),
    ]);
    const latest = new Map<string, ServiceRun>();
    runs.forEach((r) => {
      const l = latest.get(r.service_name);
      if (!l || r.timestamp > l.timestamp) latest.set(r.service_name, r);
    });
    const now = Date.now();
    const table: DataTable<Service> = new DataTable<Service>([
      { key: 'name', label: 'Name', value: (s) => s.name, render: (s) => link(q('/services/view', { name: s.name }), s.name) },
      { key: 'method', label: 'Method', value: (s) => s.http_method, render: (s) => h('span', { class: 'badge text-bg-secondary' }, s.http_method) },
      { key: 'url', label: 'URL', value: (s) => s.url, className: 'text-break font-monospace small' },
      { key: 'last', label: 'Last run', value: (s) => latest.get(s.name)?.timestamp ?? '', render: (s) => {
        const r = latest.get(s.name);
        return r ? h('span', { class: 'text-nowrap' }, statusBadge(r.response_status_code, r.error), ' ', h('span', { class: 'small text-body-secondary', title: `${fmtTime(r.timestamp)} UTC` }, ago(r.timestamp, now))) : h('span', { class: 'text-body-tertiary small' }, 'never run');
      } },
      { key: 'schedules', label: 'Schedules', value: (s) => schedules.filter((x) => x.service_name === s.name && x.enabled).length, numeric: true },
      { key: 'actions', label: '', value: () => '', sortable: false, searchable: false, render: (s) => {
        const b = h('button', { type: 'button', class: 'btn btn-sm btn-outline-danger' }, 'Delete');
        b.addEventListener('click', async () => {
          if (!(await confirmDialog('Delete service', `Delete the service "${s.name}" with its parameter sets, schedules and run history?`))) return;
          try {
            await api.post<Detail>('/service/delete-service', { name: s.name });
            services.splice(services.indexOf(s), 1);
            table.setRows(services);
            flash('success', `Service "${s.name}" deleted.`);
          } catch (e) {
            flash('danger', `Could not delete "${s.name}": ${errorText(e)}`);
          }
        });
        return b;
      } },
    ], { label: 'Services', name: 'services', empty: 'No services yet: add one below.' });
    table.setRows(services);

    const name = input({ name: 'name', required: true, maxlength: '100', autocomplete: 'off' });
    const url = input({ name: 'url', type: 'url', required: true, placeholder: 'https://…' });
    const method = select({ name: 'http_method' }, ...methods.map((m) => option(m, m)));
    const form = h('form', { 'aria-label': 'Add a service' },
      h('div', { class: 'row g-2' },
        h('div', { class: 'col-md-3' }, field('Name', name)),
        h('div', { class: 'col-md-6' }, field('URL', url, 'DTBase sends the parameters as a JSON body to this address.')),
        h('div', { class: 'col-md-3' }, field('HTTP method', method))),
      submitButton('Add service'));
    handleSubmit(form, async () => {
      const v = new Validator();
      const n = name.value.trim();
      v.check(name, !n ? 'Give the service a name.' : services.some((s) => s.name === n) ? `A service "${n}" exists already.` : null);
      v.check(url, !url.value.trim() ? 'Enter the service’s URL.' : !isHttpUrl(url.value.trim()) ? 'Enter a full http:// or https:// URL.' : null);
      if (!v.ok()) return;
      await api.post<Detail>('/service/insert-service', { name: n, url: url.value.trim(), http_method: method.value });
      flashNext('success', `Service "${n}" added.`);
      navigate(q('/services/view', { name: n }));
    });
    replace(root, header, card('Services', table.el), card('Add a service', form));
  },
};

export const servicePage: Page = {
  title: 'Service',
  async render(ctx: PageContext) {
    const { api, root, signal, params, navigate } = ctx;
    const name = params.get('name') ?? '';
    replace(root, pageHeader(name || 'Service'), spinner('Loading the service'));
    const [services, sets] = await Promise.all([
      api.get<Service[]>('/service/list-services', { signal }),
      api.post<ParameterSet[]>('/service/list-parameter-sets', { service_name: name }, { signal }),
    ]);
    const svc = services.find((s) => s.name === name);
    if (!svc) {
      replace(root, pageHeader('Service not found'), alertBox('warning', `There is no service named "${name}".`, false), link('/services', '← All services'));
      return;
    }
    document.title = `DTBase | Service ${name}`;

    const del = h('button', { type: 'button', class: 'btn btn-outline-danger' }, 'Delete service');
    del.addEventListener('click', async () => {
      if (!(await confirmDialog('Delete service', `Delete "${name}" with its parameter sets, schedules and run history?`))) return;
      try {
        await api.post<Detail>('/service/delete-service', { name });
        flashNext('success', `Service "${name}" deleted.`);
        navigate('/services');
      } catch (e) {
        flash('danger', errorText(e));
      }
    });

    // --- Run now, with a parameters editor and parameter sets.
    let current: string | null = null; // the parameter set loaded into the editor
    let sParams: HTMLSelectElement | null = null; // the new schedule's parameters, once built
    const editor = textarea({ class: 'form-control font-monospace', rows: '6', name: 'parameters', spellcheck: 'false', value: '{}' });
    const editorState = h('div', { class: 'small mt-1' });
    const setSel = select({ name: 'parameter_set', class: 'form-select' });
    const runBtn = h('button', { type: 'button', class: 'btn btn-primary', 'data-action': 'run' }, '▶ Run now');
    const saveBtn = h('button', { type: 'button', class: 'btn btn-outline-primary d-none' }, 'Save to set');
    const result = h('div', { class: 'mt-3', 'aria-live': 'polite' });
    const fillSets = () => {
      setSel.replaceChildren(option('', 'No parameter set (use the editor)'), ...sets.map((s) => option(s.name, s.name, s.name === current)));
      if (sParams) {
        const keep = sParams.value;
        paramSource(sParams);
        if ([...sParams.options].some((o) => o.value === keep)) sParams.value = keep;
      }
    };
    fillSets();
    const validate = () => {
      const r = parseJSONParameters(editor.value, true);
      const ok = !('error' in r);
      editor.classList.toggle('is-invalid', !ok);
      editorState.className = `small mt-1 ${ok ? 'text-success' : 'text-danger'}`;
      editorState.textContent = ok ? '✓ Valid JSON' : r.error;
      runBtn.disabled = !ok;
      saveBtn.disabled = !ok || Array.isArray((r as { value: unknown }).value);
      saveBtn.classList.toggle('d-none', current === null);
      saveBtn.textContent = current === null ? 'Save to set' : `Save to set "${current}"`;
      return r;
    };
    const load = (set: ParameterSet | null) => {
      current = set?.name ?? null;
      editor.value = JSON.stringify(set?.parameters ?? {}, null, 2);
      setSel.value = current ?? '';
      validate();
    };
    editor.addEventListener('input', validate);
    setSel.addEventListener('change', () => load(sets.find((s) => s.name === setSel.value) ?? null));
    validate();

    const showResult = (run: ServiceRun | undefined, err?: unknown) => {
      const parts: (HTMLElement | string)[] = [];
      if (err) parts.push(alertBox('danger', `The run failed: ${errorText(err)}`, false));
      if (run) {
        parts.push(h('div', { class: 'border rounded p-3 bg-body-tertiary', 'data-run-result': String(run.response_status_code) },
          h('div', { class: 'd-flex flex-wrap gap-2 align-items-center mb-2' }, h('strong', null, 'Result'), statusBadge(run.response_status_code, run.error),
            h('span', { class: 'small text-body-secondary' }, `${fmtTime(run.timestamp)} UTC`)),
          run.error ? h('div', { class: 'text-danger small mb-2' }, run.error) : null,
          h('div', { class: 'small text-body-secondary' }, 'Response'), jsonBlock(run.response_json)));
      }
      replace(result, ...parts);
    };

    const runNow = async (set: string | null, parameters: unknown) => {
      runBtn.disabled = true;
      replace(result, spinner(`Calling ${svc.url}`));
      let err: unknown = null;
      try {
        const body: Record<string, unknown> = { service_name: name, parameter_set_name: set };
        if (parameters !== undefined) body.parameters = parameters;
        await api.post<Detail>('/service/run-service', body);
      } catch (e) {
        err = e;
      }
      try {
        const runs = await reloadRuns();
        // A 400 (unknown service or set) records no run; anything else does.
        showResult(err instanceof ApiError && err.status === 400 ? undefined : runs[0], err);
      } catch (e) {
        showResult(undefined, err ?? e);
      } finally {
        validate();
      }
    };
    runBtn.addEventListener('click', () => {
      const r = validate();
      if ('error' in r) return;
      void runNow(current, r.value);
    });
    saveBtn.addEventListener('click', async () => {
      const r = validate();
      if ('error' in r || current === null || Array.isArray(r.value)) return;
      try {
        await api.post<Detail>('/service/edit-parameter-set', { service_name: name, name: current, parameters: r.value });
        const s = sets.find((x) => x.name === current);
        if (s) s.parameters = r.value as Record<string, unknown>;
        setTable.setRows(sets);
        flash('success', `Parameter set "${current}" saved.`);
      } catch (e) {
        flash('danger', `Could not save: ${errorText(e)}`);
      }
    });

    const setTable: DataTable<ParameterSet> = new DataTable<ParameterSet>([
      { key: 'name', label: 'Name', value: (s) => s.name },
      { key: 'parameters', label: 'Parameters', value: (s) => compactJSON(s.parameters, 100), className: 'font-monospace small text-break' },
      { key: 'actions', label: '', value: () => '', sortable: false, searchable: false, render: (s) => h('div', { class: 'd-flex gap-1 justify-content-end' },
        h('button', { type: 'button', class: 'btn btn-sm btn-outline-primary', onclick: () => void runNow(s.name, undefined) }, 'Run'),
        h('button', { type: 'button', class: 'btn btn-sm btn-outline-secondary', onclick: () => { load(s); editor.focus(); } }, 'Edit'),
        h('button', { type: 'button', class: 'btn btn-sm btn-outline-danger', onclick: async () => {
          if (!(await confirmDialog('Delete parameter set', `Delete the parameter set "${s.name}"? Runs that used it are deleted from the history too.`))) return;
          try {
            await api.post<Detail>('/service/delete-parameter-set', { service_name: name, name: s.name });
            sets.splice(sets.indexOf(s), 1);
            if (current === s.name) load(null);
            setTable.setRows(sets);
            fillSets();
            void reloadRuns();
            flash('success', `Parameter set "${s.name}" deleted.`);
          } catch (e) {
            flash('danger', errorText(e));
          }
        } }, 'Delete')) },
    ], { label: 'Parameter sets', name: 'parameter-sets', empty: 'No parameter sets yet.', search: false, pageSize: 10 });
    setTable.setRows(sets);

    const newSetName = input({ name: 'set_name', placeholder: 'New set name', maxlength: '100', autocomplete: 'off' });
    const newSetForm = h('form', { class: 'd-flex gap-2 align-items-start', 'aria-label': 'New parameter set' },
      h('div', { class: 'flex-grow-1' }, newSetName, h('div', { class: 'invalid-feedback' })), submitButton('Save editor as new set', 'btn-outline-primary text-nowrap'));
    newSetName.id = 'new-set-name';
    handleSubmit(newSetForm, async () => {
      const v = new Validator();
      const n = newSetName.value.trim();
      const r = parseJSONParameters(editor.value);
      v.check(newSetName, !n ? 'Name the new set.' : sets.some((s) => s.name === n) ? `A set "${n}" exists already.` : 'error' in r ? `The editor does not hold a JSON object: ${r.error}` : null);
      if (!v.ok() || 'error' in r) return;
      await api.post<Detail>('/service/insert-parameter-set', { service_name: name, name: n, parameters: r.value });
      sets.push({ service_name: name, name: n, parameters: r.value as Record<string, unknown> });
      setTable.setRows(sets);
      newSetName.value = '';
      load(sets[sets.length - 1] ?? null);
      fillSets();
      setSel.value = n;
      flash('success', `Parameter set "${n}" created.`);
    });

    // --- Run history.
    const runTable = new DataTable<ServiceRun>([
      { key: 'time', label: 'Time (UTC)', value: (r) => r.timestamp, render: (r) => fmtTime(r.timestamp), className: 'text-nowrap' },
      { key: 'set', label: 'Parameter set', value: (r) => r.parameter_set_name },
      { key: 'params', label: 'Parameters', value: (r) => (r.parameters === null ? '' : compactJSON(r.parameters, 60)), className: 'font-monospace small text-break' },
      { key: 'status', label: 'Status', value: (r) => r.response_status_code, render: (r) => statusBadge(r.response_status_code, r.error) },
      { key: 'response', label: 'Response', value: (r) => (r.error ? r.error : compactJSON(r.response_json, 80)), className: 'font-monospace small text-break', render: (r) => {
        if (r.error) return h('span', { class: 'text-danger' }, r.error);
        const text = compactJSON(r.response_json, 80);
        const full = JSON.stringify(r.response_json, null, 2) ?? 'null';
        return full.length > 80 ? h('button', { type: 'button', class: 'btn btn-link btn-sm p-0 text-start font-monospace text-break', title: 'Show the whole response',
          onclick: () => dialog('Response', jsonBlock(r.response_json)) }, text) : text;
      } },
    ], { label: 'Run history', name: 'runs', empty: 'This service has not been run yet.', sort: { key: 'time', dir: 'desc' }, pageSize: 10 });
    const reloadRuns = async () => {
      const runs = await api.post<ServiceRun[]>('/service/list-runs', { service_name: name }, { signal });
      runs.sort((a, b) => b.timestamp.localeCompare(a.timestamp));
      runTable.setRows(runs);
      return runs;
    };

    // --- Schedules.
    const schedWrap = h('div');
    const schedCard = card(h('span', null, 'Schedules ', h('span', { class: 'small fw-normal text-body-secondary' }, '(UTC, six-field cron: second minute hour day month day-of-week)')), schedWrap);
    let schedules: Schedule[] = [];
    const schedTable: DataTable<Schedule> = new DataTable<Schedule>([
      { key: 'name', label: 'Name', value: (s) => s.name },
      { key: 'cron', label: 'When', value: (s) => s.cron, render: (s) => h('div', null, h('code', null, s.cron), h('div', { class: 'small text-body-secondary' }, describeCron(s.cron))) },
      { key: 'params', label: 'Parameters', value: (s) => s.parameter_set_name ?? (s.parameters === null ? '' : compactJSON(s.parameters, 50)),
        render: (s) => s.parameter_set_name ? h('span', null, 'set ', h('strong', null, s.parameter_set_name)) : s.parameters === null ? h('span', { class: 'text-body-tertiary' }, 'none') : h('code', { class: 'small' }, compactJSON(s.parameters, 50)) },
      { key: 'enabled', label: 'Enabled', value: (s) => s.enabled, render: (s) => {
        const cb = h('input', { type: 'checkbox', class: 'form-check-input', role: 'switch', checked: s.enabled, 'aria-label': `Enable schedule ${s.name}` });
        cb.addEventListener('change', async () => {
          cb.disabled = true;
          try {
            await api.post<Detail>('/service/edit-schedule', { service_name: name, name: s.name, enabled: cb.checked });
            await reloadSchedules();
            flash('success', `Schedule "${s.name}" ${cb.checked ? 'enabled' : 'paused'}.`);
          } catch (e) {
            cb.checked = !cb.checked;
            flash('danger', errorText(e));
          } finally {
            cb.disabled = false;
          }
        });
        return h('div', { class: 'form-check form-switch mb-0' }, cb);
      } },
      { key: 'next', label: 'Next due (UTC)', value: (s) => s.next_due ?? '', render: (s) => (s.enabled && s.next_due ? fmtTime(s.next_due) : h('span', { class: 'text-body-tertiary' }, '—')) },
      { key: 'last', label: 'Last run', value: (s) => s.last_run ?? '', render: (s) => s.last_run ? h('span', null, statusBadge(s.last_status, s.last_error), ' ', h('span', { class: 'small text-body-secondary', title: s.last_error ?? '' }, fmtTime(s.last_run))) : h('span', { class: 'text-body-tertiary' }, 'never') },
      { key: 'actions', label: '', value: () => '', sortable: false, searchable: false, render: (s) => h('div', { class: 'd-flex gap-1 justify-content-end' },
        h('button', { type: 'button', class: 'btn btn-sm btn-outline-secondary', onclick: () => editSchedule(s) }, 'Edit'),
        h('button', { type: 'button', class: 'btn btn-sm btn-outline-danger', onclick: async () => {
          if (!(await confirmDialog('Delete schedule', `Delete the schedule "${s.name}"?`))) return;
          try {
            await api.post<Detail>('/service/delete-schedule', { service_name: name, name: s.name });
            await reloadSchedules();
            flash('success', `Schedule "${s.name}" deleted.`);
          } catch (e) {
            flash('danger', errorText(e));
          }
        } }, 'Delete')) },
    ], { label: 'Schedules', name: 'schedules', empty: 'No schedules: this service runs only when run by hand.', search: false, pageSize: 10 });
    const reloadSchedules = async () => {
      schedules = await api.post<Schedule[]>('/service/list-schedules', { service_name: name }, { signal });
      schedTable.setRows(schedules);
    };

    // A schedule's parameters: none, a parameter set, or the JSON in the editor above.
    const paramSource = (sel: HTMLSelectElement, s?: Schedule) => {
      sel.replaceChildren(option('', 'No parameters'), ...sets.map((x) => option(`set:${x.name}`, `Parameter set "${x.name}"`, s?.parameter_set_name === x.name)),
        option('editor', s && !s.parameter_set_name && s.parameters !== null ? 'Its own parameters (keep)' : 'The JSON in the editor above'));
      if (s && !s.parameter_set_name && s.parameters !== null) sel.value = 'editor';
    };
    const scheduleBody = (sel: HTMLSelectElement, keepOwn?: Schedule): { ok: true; body: Record<string, unknown> } | { ok: false; error: string } => {
      if (sel.value === '') return { ok: true, body: { parameter_set_name: null, parameters: null } };
      if (sel.value.startsWith('set:')) return { ok: true, body: { parameter_set_name: sel.value.slice(4), parameters: null } };
      if (keepOwn && keepOwn.parameters !== null && !keepOwn.parameter_set_name) return { ok: true, body: {} };
      const r = parseJSONParameters(editor.value, true);
      return 'error' in r ? { ok: false, error: `The editor does not hold valid parameters: ${r.error}` } : { ok: true, body: { parameter_set_name: null, parameters: r.value } };
    };

    const sName = input({ name: 'schedule_name', maxlength: '100', autocomplete: 'off', placeholder: 'e.g. hourly' });
    const sCron = input({ name: 'cron', value: '0 0 * * * *', class: 'form-control font-monospace', autocomplete: 'off' });
    const sCronHelp = h('span', null, describeCron('0 0 * * * *'));
    sCron.addEventListener('input', () => (sCronHelp.textContent = checkCron(sCron.value) ?? describeCron(sCron.value)));
    const schedParams = select({ name: 'schedule_parameters' });
    sParams = schedParams;
    paramSource(schedParams);
    const sEnabled = h('input', { type: 'checkbox', name: 'enabled', checked: true });
    const schedForm = h('form', { 'aria-label': 'New schedule' },
      h('div', { class: 'row g-2' },
        h('div', { class: 'col-md-3' }, field('Name', sName)),
        h('div', { class: 'col-md-3' }, field('Cron (UTC)', sCron, sCronHelp)),
        h('div', { class: 'col-md-4' }, field('Parameters', schedParams)),
        h('div', { class: 'col-md-2 pt-md-4' }, field('Enabled', sEnabled, undefined, 'mt-md-2'))),
      submitButton('Add schedule', 'btn-outline-primary'));
    handleSubmit(schedForm, async () => {
      const v = new Validator();
      const n = sName.value.trim();
      v.check(sName, !n ? 'Name the schedule.' : schedules.some((s) => s.name === n) ? `A schedule "${n}" exists already.` : null);
      v.check(sCron, checkCron(sCron.value));
      const b = scheduleBody(schedParams);
      v.check(schedParams, b.ok ? null : b.error);
      if (!v.ok() || !b.ok) return;
      await api.post<Detail>('/service/insert-schedule', { service_name: name, name: n, cron: sCron.value.trim(), enabled: sEnabled.checked, ...b.body });
      await reloadSchedules();
      sName.value = '';
      flash('success', `Schedule "${n}" added.`);
    });

    const editSchedule = (s: Schedule) => {
      const cron = input({ name: 'cron', value: s.cron, class: 'form-control font-monospace' });
      const help = h('span', null, describeCron(s.cron));
      cron.addEventListener('input', () => (help.textContent = checkCron(cron.value) ?? describeCron(cron.value)));
      const ps = select({ name: 'parameters' });
      paramSource(ps, s);
      const en = h('input', { type: 'checkbox', name: 'enabled', checked: s.enabled });
      const f = h('form', { 'aria-label': `Edit schedule ${s.name}` }, field('Cron (UTC)', cron, help), field('Parameters', ps), field('Enabled', en),
        h('div', { class: 'd-flex justify-content-end gap-2' }, submitButton('Save schedule')));
      const d = dialog(`Edit schedule "${s.name}"`, f);
      handleSubmit(f, async () => {
        const v = new Validator();
        v.check(cron, checkCron(cron.value));
        const b = scheduleBody(ps, s);
        v.check(ps, b.ok ? null : b.error);
        if (!v.ok() || !b.ok) return;
        await api.post<Detail>('/service/edit-schedule', { service_name: name, name: s.name, cron: cron.value.trim(), enabled: en.checked, ...b.body });
        d.close();
        await reloadSchedules();
        flash('success', `Schedule "${s.name}" saved.`);
      });
    };

    replace(root,
      pageHeader(name, h('span', null, h('span', { class: 'badge text-bg-secondary me-2' }, svc.http_method), h('code', { class: 'text-break' }, svc.url)), del),
      h('div', { class: 'row g-4 mb-4' },
        h('div', { class: 'col-xl-7' }, card('Run now',
          h('div', { class: 'mb-2' }, h('label', { class: 'form-label', for: 'ps-select' }, 'Parameter set'), setSel),
          h('label', { class: 'form-label', for: 'params-editor' }, 'Parameters (JSON sent as the request body)'), editor, editorState,
          h('div', { class: 'd-flex flex-wrap gap-2 mt-3' }, runBtn, saveBtn),
          result)),
        h('div', { class: 'col-xl-5' }, card('Saved parameter sets', setTable.el, h('hr'), newSetForm))),
      card('Run history', runTable.el),
      schedCard);
    setSel.id = 'ps-select';
    editor.id = 'params-editor';
    await reloadRuns();
    try {
      await reloadSchedules();
      replace(schedWrap, schedTable.el, h('hr'), schedForm);
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) schedCard.remove();
      else replace(schedWrap, alertBox('warning', `Could not load schedules: ${errorText(e)}`, false));
    }
  },
};
