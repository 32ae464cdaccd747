import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiClient } from '../../src/api';
import { ApiError } from '../../src/lib/errors';
import { decodeJwt, refreshDueAt, sessionFromTokens, sessionState } from '../../src/lib/jwt';

const b64url = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
const jwt = (sub: string, type: string, exp: number) => `${b64url({ alg: 'HS256', typ: 'JWT' })}.${b64url({ sub, token_type: type, exp })}.sig`;

class MemoryStorage {
  data = new Map<string, string>();
  getItem(k: string) {
    return this.data.get(k) ?? null;
  }
  setItem(k: string, v: string) {
    this.data.set(k, v);
  }
  removeItem(k: string) {
    this.data.delete(k);
  }
}

interface Call {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: unknown;
}

/** A fake backend: a clock, an access-token lifetime, and a handler per path. */
function fakeBackend(opts: { ttl?: number; routes?: Record<string, (c: Call, now: number) => { status: number; body: unknown }> } = {}) {
  let now = 1_700_000_000_000;
  const ttl = opts.ttl ?? 3600;
  const calls: Call[] = [];
  let serial = 0;
  const tokens = (email: string) => {
    serial++;
    return { access_token: jwt(email, 'access', Math.floor(now / 1000) + ttl) + serial, refresh_token: jwt(email, 'refresh', Math.floor(now / 1000) + 2 * ttl) + serial };
  };
  const timers: { at: number; fn: () => void; id: number }[] = [];
  let timerId = 0;
  const fetchFn = async (url: string | URL | Request, init?: RequestInit) => {
    const headers = (init?.headers ?? {}) as Record<string, string>;
    const call: Call = { url: String(url), method: init?.method ?? 'GET', headers, body: init?.body ? JSON.parse(String(init.body)) : undefined };
    calls.push(call);
    const path = call.url.replace(/^\/api/, '');
    let res: { status: number; body: unknown };
    if (path === '/auth/login') {
      const b = call.body as { email: string; password: string };
      res = b.password === 'right' ? { status: 200, body: tokens(b.email) } : { status: 401, body: { detail: 'Incorrect email or password' } };
    } else if (path === '/auth/refresh') {
      const tok = (headers['X-DT-Authorization'] ?? '').replace('Bearer ', '');
      const claims = decodeJwt(tok.replace(/\d+$/, ''));
      res = claims && claims.token_type === 'refresh' && claims.exp * 1000 > now ? { status: 200, body: tokens(claims.sub) } : { status: 401, body: { detail: 'Token has expired' } };
    } else if (opts.routes?.[path]) {
      res = opts.routes[path]!(call, now);
    } else {
      res = { status: 404, body: { detail: 'Not Found' } };
    }
    return new Response(typeof res.body === 'string' ? res.body : JSON.stringify(res.body), {
      status: res.status,
      headers: { 'Content-Type': typeof res.body === 'string' ? 'text/plain' : 'application/json', Date: new Date(now).toUTCString() },
    });
  };
  return {
    calls,
    storage: new MemoryStorage(),
    fetch: fetchFn as typeof fetch,
    now: () => now,
    advance(ms: number) {
      now += ms;
      for (const t of [...timers].sort((a, b) => a.at - b.at)) {
        if (t.at <= now) {
          timers.splice(timers.indexOf(t), 1);
          t.fn();
        }
      }
    },
    setTimer: (fn: () => void, ms: number) => {
      const id = ++timerId;
      timers.push({ at: now + ms, fn, id });
      return id;
    },
    clearTimer: (id: unknown) => {
      const i = timers.findIndex((t) => t.id === id);
      if (i >= 0) timers.splice(i, 1);
    },
  };
}

const flush = () => new Promise((r) => setTimeout(r, 0));

test('jwt: claims, clock skew and when to refresh', () => {
  const exp = 1_700_003_600;
  assert.deepEqual(decodeJwt(jwt('a@b', 'access', exp)), { sub: 'a@b', token_type: 'access', exp });
  assert.equal(decodeJwt('not.a.token'), null);
  assert.equal(decodeJwt('x'), null);
  const clientNow = 1_700_000_000_000;
  const s = sessionFromTokens(jwt('a@b', 'access', exp), jwt('a@b', 'refresh', exp + 3600), clientNow);
  assert.equal(s.accessExpiresAt, exp * 1000);
  assert.equal(refreshDueAt(s), exp * 1000 - 60_000, 'an hour-long token is refreshed a minute early');
  assert.equal(sessionState(s, clientNow), 'fresh');
  assert.equal(sessionState(s, exp * 1000 - 30_000), 'refresh');
  assert.equal(sessionState(s, (exp + 3600) * 1000), 'expired');
  // The client's clock runs 10 minutes fast: expiry moves with it.
  const skewed = sessionFromTokens(jwt('a@b', 'access', exp), jwt('a@b', 'refresh', exp + 3600), clientNow + 600_000, clientNow);
  assert.equal(skewed.accessExpiresAt, exp * 1000 + 600_000);
  const short = sessionFromTokens(jwt('a@b', 'access', 1_700_000_020), jwt('a@b', 'refresh', 1_700_003_620), clientNow);
  assert.equal(refreshDueAt(short), clientNow + 18_000, 'a 20-second token is refreshed 2 s early');
});

test('api: login stores the session, calls carry X-DT-Authorization, errors come in words', async () => {
  const be = fakeBackend({ routes: {
    '/user/list-users': () => ({ status: 200, body: ['a@b'] }),
    '/sensor/insert-sensor': () => ({ status: 409, body: { detail: 'Sensor exists already' } }),
  } });
  const api = new ApiClient({ base: '/api', fetch: be.fetch, storage: be.storage, now: be.now, setTimer: be.setTimer, clearTimer: be.clearTimer });
  await assert.rejects(api.login('a@b', 'wrong'), (e: unknown) => e instanceof ApiError && e.status === 401 && e.message === 'Incorrect email or password');
  const s = await api.login('a@b', 'right');
  assert.equal(s.email, 'a@b');
  assert.ok(be.storage.getItem('dtbase.session'));
  assert.deepEqual(await api.get('/user/list-users'), ['a@b']);
  const last = be.calls.at(-1)!;
  assert.equal(last.headers['X-DT-Authorization'], `Bearer ${s.access}`);
  assert.equal(last.headers.Authorization, undefined, 'Static Web Apps would overwrite Authorization');
  await assert.rejects(api.post('/sensor/insert-sensor', {}), /Sensor exists already/);
  // A second client (another tab) picks the stored session up.
  const other = new ApiClient({ base: '/api', fetch: be.fetch, storage: be.storage, now: be.now, setTimer: be.setTimer, clearTimer: be.clearTimer });
  assert.equal(other.session?.access, s.access);
  api.logout();
  assert.equal(be.storage.getItem('dtbase.session'), null);
});

test('api: the token is refreshed before it expires, by the timer and before a call', async () => {
  const be = fakeBackend({ ttl: 600, routes: { '/user/list-users': () => ({ status: 200, body: [] }) } });
  const api = new ApiClient({ base: '/api', fetch: be.fetch, storage: be.storage, now: be.now, setTimer: be.setTimer, clearTimer: be.clearTimer });
  const first = await api.login('a@b', 'right');
  be.advance(500_000);
  await flush();
  assert.equal(api.refreshes, 0, 'not yet due');
  be.advance(50_000); // 550 s of 600: within the last minute
  await flush();
  await flush();
  assert.equal(api.refreshes, 1, 'the timer refreshed');
  assert.notEqual(api.session?.access, first.access);
  const refreshCall = be.calls.find((c) => c.url.endsWith('/auth/refresh'))!;
  assert.equal(refreshCall.headers['X-DT-Authorization'], `Bearer ${first.refresh}`);
  // A call made when the token is due (a sleeping tab whose timer did not fire) refreshes first.
  const before = api.session!.access;
  const internals = api as unknown as { timer: unknown };
  be.clearTimer(internals.timer); // the browser held the timer back
  internals.timer = null;
  be.calls.length = 0;
  be.advance(api.session!.accessExpiresAt - 10_000 - be.now());
  await api.get('/user/list-users');
  assert.deepEqual(be.calls.map((c) => c.url), ['/api/auth/refresh', '/api/user/list-users']);
  assert.notEqual(api.session?.access, before);
});

test('api: an expired token is refreshed once and the call retried; a rejected session ends', async () => {
  let expireNext = true;
  const be = fakeBackend({ routes: {
    '/sensor/list-measures': () => {
      if (expireNext) {
        expireNext = false;
        return { status: 401, body: { detail: 'Token has expired' } };
      }
      return { status: 200, body: [] };
    },
    '/user/list-users': () => ({ status: 401, body: { detail: 'Could not validate credentials' } }),
  } });
  const api = new ApiClient({ base: '/api', fetch: be.fetch, storage: be.storage, now: be.now, setTimer: be.setTimer, clearTimer: be.clearTimer });
  await api.login('a@b', 'right');
  assert.deepEqual(await api.get('/sensor/list-measures'), []);
  assert.equal(api.refreshes, 1);
  const ended: string[] = [];
  api.onSessionEnd = (r) => ended.push(r);
  await assert.rejects(api.get('/user/list-users'), (e: unknown) => e instanceof ApiError && e.status === 401);
  assert.equal(api.session, null);
  assert.equal(ended.length, 1);
  await assert.rejects(api.get('/user/list-users'), /not logged in/);
});

test('api: no answer at all is a network error in words', async () => {
  const api = new ApiClient({ base: '/api', fetch: (async () => { throw new TypeError('Failed to fetch'); }) as typeof fetch, storage: null });
  await assert.rejects(api.login('a@b', 'x'), /Could not reach the DTBase API at \/api/);
});
