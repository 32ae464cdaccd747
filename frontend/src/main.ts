// The shell: routing (History API; the host falls back to index.html for deep links), the
// navigation bar, login redirects and page lifecycles.

import { ApiClient } from './api';
import { errorText } from './lib/errors';
import { safeNext } from './lib/nav';
import type { Page, PageContext } from './page';
import { h, icon, replace } from './ui/dom';
import { alertBox, flashNext, setFlashRegion } from './ui/feedback';
import { loginPage } from './pages/login';
import { homePage } from './pages/home';
import { sensorsPage, newSensorTypePage, newSensorPage, sensorPage } from './pages/sensors';
import { readingsPage } from './pages/readings';
import { locationsPage, newSchemaPage, newLocationPage } from './pages/locations';
import { modelsPage } from './pages/models';
import { servicesPage, servicePage } from './pages/services';
import { usersPage } from './pages/users';

const routes: Record<string, Page> = {
  '/': homePage,
  '/login': loginPage,
  '/sensors': sensorsPage,
  '/sensors/new-type': newSensorTypePage,
  '/sensors/new': newSensorPage,
  '/sensors/view': sensorPage,
  '/readings': readingsPage,
  '/locations': locationsPage,
  '/locations/new-schema': newSchemaPage,
  '/locations/new': newLocationPage,
  '/models': modelsPage,
  '/services': servicesPage,
  '/services/view': servicePage,
  '/users': usersPage,
};

const notFound: Page = {
  title: 'Page not found',
  render({ root }) {
    replace(root, h('h1', { class: 'h3' }, 'Page not found'),
      h('p', null, 'There is no page at this address. ', h('a', { href: '/' }, 'Go to the overview'), '.'));
  },
};

const nav: { href: string; label: string; icon: string }[] = [
  { href: '/', label: 'Overview', icon: 'home' },
  { href: '/sensors', label: 'Sensors', icon: 'sensor' },
  { href: '/readings', label: 'Readings', icon: 'chart' },
  { href: '/locations', label: 'Locations', icon: 'pin' },
  { href: '/models', label: 'Models', icon: 'model' },
  { href: '/services', label: 'Services', icon: 'service' },
  { href: '/users', label: 'Users', icon: 'users' },
];

export interface DebugInfo {
  api: ApiClient;
  perf: Record<string, number>;
}

const api = new ApiClient();
const debug: DebugInfo = { api, perf: {} };
(window as unknown as { dtbase: DebugInfo }).dtbase = debug;

const app = document.getElementById('app') as HTMLElement;
const busy = h('div', { class: 'dt-busy', 'aria-hidden': 'true' });
document.body.prepend(busy);
let busyTimer: ReturnType<typeof setTimeout> | undefined;
api.onActivity = (n) => {
  clearTimeout(busyTimer);
  if (n > 0) busyTimer = setTimeout(() => busy.classList.add('on'), 150);
  else busy.classList.remove('on');
};

let current: { controller: AbortController; leave: (() => void)[] } | null = null;
let firstRender = true;

function navigate(url: string, opts: { replace?: boolean } = {}) {
  if (opts.replace) history.replaceState(null, '', url);
  else history.pushState(null, '', url);
  void render();
}

function currentPath(): string {
  return location.pathname + location.search;
}

api.onSessionEnd = (reason) => {
  flashNext('warning', reason);
  const next = location.pathname === '/login' ? '' : `?next=${encodeURIComponent(currentPath())}`;
  navigate(`/login${next}`, { replace: true });
};

function navbar(pathname: string): HTMLElement {
  const collapse = h('div', { class: 'collapse navbar-collapse', id: 'dt-nav' },
    h('ul', { class: 'navbar-nav me-auto' }, ...nav.map((n) => {
      const active = n.href === '/' ? pathname === '/' : pathname === n.href || pathname.startsWith(n.href + '/');
      return h('li', { class: 'nav-item' },
        h('a', { class: `nav-link${active ? ' active' : ''}`, href: n.href, 'aria-current': active ? 'page' : null }, icon(n.icon, 'me-1'), n.label));
    })),
    h('div', { class: 'd-flex align-items-center gap-3' },
      h('span', { class: 'navbar-text small text-truncate dt-user', title: 'Logged in as' }, api.session?.email ?? ''),
      h('button', { type: 'button', class: 'btn btn-sm btn-outline-light', 'data-action': 'logout', onclick: logout }, icon('logout', 'me-1'), 'Log out')));
  const toggler = h('button', { type: 'button', class: 'navbar-toggler', 'aria-controls': 'dt-nav', 'aria-expanded': 'false', 'aria-label': 'Menu' },
    h('span', { class: 'navbar-toggler-icon' }));
  toggler.addEventListener('click', () => {
    const open = collapse.classList.toggle('show');
    toggler.setAttribute('aria-expanded', String(open));
  });
  return h('nav', { class: 'navbar navbar-expand-lg navbar-dark dt-navbar', 'aria-label': 'Main' },
    h('div', { class: 'container-xxl' },
      h('a', { class: 'navbar-brand d-flex align-items-center gap-2', href: '/' }, icon('logo', 'dt-logo'), 'DTBase'),
      toggler, collapse));
}

function logout() {
  api.logout();
  flashNext('success', 'You have logged out.');
  navigate('/login');
}

async function render() {
  const path = location.pathname.replace(/\/+$/, '') || '/';
  const page = routes[path] ?? notFound;
  if (!page.public && !api.session) {
    navigate(`/login?next=${encodeURIComponent(currentPath())}`, { replace: true });
    return;
  }
  if (path === '/login' && api.session) {
    navigate(safeNext(new URLSearchParams(location.search).get('next')), { replace: true });
    return;
  }
  if (current) {
    current.controller.abort();
    current.leave.forEach((fn) => {
      try {
        fn();
      } catch {
        /* a page's clean-up must not stop the next page */
      }
    });
  }
  const controller = new AbortController();
  const leave: (() => void)[] = [];
  current = { controller, leave };
  document.title = `DTBase | ${page.title}`;

  const flashes = h('div', { class: 'dt-flashes' });
  const root = h('div', { class: 'dt-page' });
  const main = h('main', { id: 'main', class: page.public ? 'dt-main-public' : 'container-xxl py-4' }, flashes, root);
  if (page.public) replace(app, main);
  else replace(app, h('a', { class: 'visually-hidden-focusable', href: '#main' }, 'Skip to content'), navbar(path), main);
  setFlashRegion(flashes);

  const ctx: PageContext = {
    api,
    params: new URLSearchParams(location.search),
    signal: controller.signal,
    root,
    navigate,
    onLeave: (fn) => leave.push(fn),
    setParams(params) {
      const s = params.toString();
      history.replaceState(null, '', location.pathname + (s ? `?${s}` : ''));
      ctx.params = new URLSearchParams(s);
    },
  };
  try {
    await page.render(ctx);
    if (!firstRender && !controller.signal.aborted) root.querySelector<HTMLElement>('h1')?.focus({ preventScroll: true });
  } catch (e) {
    if (controller.signal.aborted || (e instanceof DOMException && e.name === 'AbortError')) return;
    root.prepend(alertBox('danger', errorText(e)));
  } finally {
    firstRender = false;
  }
}

// Route in-app links without reloading.
document.addEventListener('click', (e) => {
  if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
  const a = (e.target as Element | null)?.closest?.('a');
  if (!a || a.target || a.hasAttribute('download')) return;
  const href = a.getAttribute('href');
  if (!href || !href.startsWith('/') || href.startsWith('//') || href.startsWith('/api/')) return;
  e.preventDefault();
  window.scrollTo(0, 0);
  navigate(href);
});
window.addEventListener('popstate', () => void render());
window.addEventListener('storage', (e) => {
  if (e.key === 'dtbase.session') api.adoptStored();
});
document.addEventListener('visibilitychange', () => {
  if (document.visibilityState === 'visible') api.checkNow();
});

void render();
