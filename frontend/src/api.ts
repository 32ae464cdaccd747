// The API client: every call goes to the API base (same-origin /api unless built otherwise), with
// the access token in X-DT-Authorization (Static Web Apps overwrites Authorization on proxied calls).
// Tokens are refreshed shortly before they expire, and once more when the server says one expired.

import { ApiError, messageFor, networkMessage } from './lib/errors';
import { isSession, refreshDueAt, sessionFromTokens, sessionState, type Session } from './lib/jwt';

declare const __API_BASE__: string;
export const API_BASE: string = typeof __API_BASE__ === 'string' ? __API_BASE__ : '/api';

const storageKey = 'dtbase.session';

export interface ClientOptions {
  base?: string;
  fetch?: typeof fetch;
  storage?: Pick<Storage, 'getItem' | 'setItem' | 'removeItem'> | null;
  now?: () => number;
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (t: unknown) => void;
}

export interface CallOptions {
  signal?: AbortSignal;
}

type Listener = (s: Session | null) => void;

export class ApiClient {
  readonly base: string;
  session: Session | null = null;
  /** How many times tokens were refreshed (shown to tests and the status line). */
  refreshes = 0;
  /** Called when the session ends without the user logging out: expired or rejected tokens. */
  onSessionEnd: (reason: string) => void = () => {};
  /** Called when the number of requests in flight changes. */
  onActivity: (inFlight: number) => void = () => {};

  private readonly fetchFn: typeof fetch;
  private readonly storage: ClientOptions['storage'];
  private readonly now: () => number;
  private readonly setTimer: (fn: () => void, ms: number) => unknown;
  private readonly clearTimer: (t: unknown) => void;
  private timer: unknown = null;
  private refreshing: Promise<void> | null = null;
  private inFlight = 0;
  private listeners = new Set<Listener>();

  constructor(opts: ClientOptions = {}) {
    this.base = (opts.base ?? API_BASE).replace(/\/+$/, '');
    this.fetchFn = opts.fetch ?? ((input, init) => fetch(input, init));
    this.storage = opts.storage === undefined ? (typeof localStorage === 'undefined' ? null : localStorage) : opts.storage;
    this.now = opts.now ?? (() => Date.now());
    this.setTimer = opts.setTimer ?? ((fn, ms) => setTimeout(fn, ms));
    this.clearTimer = opts.clearTimer ?? ((t) => clearTimeout(t as ReturnType<typeof setTimeout>));
    this.session = this.load();
    if (this.session && sessionState(this.session, this.now()) === 'expired') this.setSession(null);
    this.schedule();
  }

  /** subscribe is told about every change of session (login, refresh, logout); it returns an unsubscribe. */
  subscribe(fn: Listener): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** adoptStored takes the session another tab stored (the storage event). */
  adoptStored(): void {
    const s = this.load();
    if (s?.access === this.session?.access) return;
    const had = this.session !== null;
    this.session = s;
    this.schedule();
    this.listeners.forEach((l) => l(s));
    if (had && !s) this.onSessionEnd('You logged out in another window.');
  }

  async login(email: string, password: string): Promise<Session> {
    const res = await this.raw('POST', '/auth/login', { email, password });
    const body = res.body as { access_token?: string; refresh_token?: string };
    if (res.status !== 200 || !body?.access_token || !body.refresh_token) {
      throw new ApiError(res.status, messageFor(res.status, '/auth/login', res.body), res.body);
    }
    const s = sessionFromTokens(body.access_token, body.refresh_token, this.now(), res.serverNow);
    this.setSession(s);
    return s;
  }

  logout(): void {
    this.setSession(null);
  }

  /** refresh swaps the refresh token for a new pair now (one request at a time). */
  refresh(): Promise<void> {
    if (!this.refreshing) {
      this.refreshing = this.doRefresh().finally(() => {
        this.refreshing = null;
      });
    }
    return this.refreshing;
  }

  private async doRefresh(): Promise<void> {
    const s = this.session;
    if (!s) throw new ApiError(401, 'You are not logged in.');
    const res = await this.raw('POST', '/auth/refresh', undefined, s.refresh);
    if (this.session?.refresh !== s.refresh) return; // logged out or replaced meanwhile
    const body = res.body as { access_token?: string; refresh_token?: string };
    if (res.status === 200 && body?.access_token && body.refresh_token) {
      this.refreshes++;
      this.setSession(sessionFromTokens(body.access_token, body.refresh_token, this.now(), res.serverNow));
      return;
    }
    if (res.status === 401) {
      this.endSession('Your session has expired; please log in again.');
      throw new ApiError(401, 'Your session has expired; please log in again.', res.body);
    }
    throw new ApiError(res.status, messageFor(res.status, '/auth/refresh', res.body), res.body);
  }

  get<T>(path: string, opts?: CallOptions): Promise<T> {
    return this.call<T>('GET', path, undefined, opts);
  }

  post<T>(path: string, body?: unknown, opts?: CallOptions): Promise<T> {
    return this.call<T>('POST', path, body, opts);
  }

  /** call sends an authenticated request and returns the parsed answer, or throws an ApiError in words. */
  async call<T>(method: string, path: string, body?: unknown, opts: CallOptions = {}): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      const s = await this.usableSession();
      const res = await this.raw(method, path, body, s.access, opts.signal);
      if (res.status === 401 && attempt === 0 && this.session) {
        const detail = (res.body as { detail?: unknown })?.detail;
        if (detail === 'Token has expired') {
          await this.refresh();
          continue;
        }
        this.endSession('Your session is no longer valid; please log in again.');
      }
      if (res.status < 200 || res.status >= 300) {
        throw new ApiError(res.status, messageFor(res.status, path, res.body), res.body);
      }
      return res.body as T;
    }
  }

  private async usableSession(): Promise<Session> {
    if (!this.session) {
      this.endSession('Please log in.');
      throw new ApiError(401, 'You are not logged in.');
    }
    const state = sessionState(this.session, this.now());
    if (state === 'expired') {
      this.endSession('Your session has expired; please log in again.');
      throw new ApiError(401, 'Your session has expired; please log in again.');
    }
    if (state === 'refresh') await this.refresh();
    if (!this.session) throw new ApiError(401, 'You are not logged in.');
    return this.session;
  }

  /** raw sends one request; it throws only when no answer came (network failure or abort). */
  private async raw(method: string, path: string, body: unknown, token?: string, signal?: AbortSignal) {
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (token) headers['X-DT-Authorization'] = `Bearer ${token}`;
    this.activity(1);
    try {
      let res: Response;
      try {
        res = await this.fetchFn(this.base + path, {
          method,
          headers,
          body: body === undefined ? undefined : JSON.stringify(body),
          signal,
          credentials: 'same-origin',
          cache: 'no-store',
        });
      } catch (e) {
        if (signal?.aborted || (e instanceof DOMException && e.name === 'AbortError')) throw e;
        throw new ApiError(0, networkMessage(this.base));
      }
      const text = await res.text();
      let parsed: unknown = text;
      if (text && /json/i.test(res.headers.get('Content-Type') ?? 'application/json')) {
        try {
          parsed = JSON.parse(text);
        } catch {
          parsed = text;
        }
      }
      const date = res.headers.get('Date');
      return { status: res.status, body: parsed, serverNow: date ? Date.parse(date) : undefined };
    } finally {
      this.activity(-1);
    }
  }

  private activity(d: number) {
    this.inFlight += d;
    this.onActivity(this.inFlight);
  }

  private endSession(reason: string) {
    const had = this.session !== null;
    this.setSession(null);
    if (had || reason === 'Please log in.') this.onSessionEnd(reason);
  }

  private setSession(s: Session | null) {
    this.session = s;
    try {
      if (s) this.storage?.setItem(storageKey, JSON.stringify(s));
      else this.storage?.removeItem(storageKey);
    } catch {
      // Storage full or blocked: the session still lives in memory.
    }
    this.schedule();
    this.listeners.forEach((l) => l(s));
  }

  private load(): Session | null {
    try {
      const raw = this.storage?.getItem(storageKey);
      const v: unknown = raw ? JSON.parse(raw) : null;
      return isSession(v) ? v : null;
    } catch {
      return null;
    }
  }

  /** schedule arms the timer that refreshes the access token before it expires. */
  private schedule() {
    if (this.timer !== null) this.clearTimer(this.timer);
    this.timer = null;
    const s = this.session;
    if (!s) return;
    const delay = Math.max(0, refreshDueAt(s) - this.now());
    this.timer = this.setTimer(() => {
      this.timer = null;
      this.refresh().catch(() => {
        // A failed refresh that did not end the session (network trouble): try again shortly.
        if (this.session === s) this.timer = this.setTimer(() => this.schedule(), 10_000);
      });
    }, delay);
  }

  /** checkNow refreshes at once if the timer was held back (a sleeping laptop, a background tab). */
  checkNow(): void {
    const s = this.session;
    if (!s) return;
    const state = sessionState(s, this.now());
    if (state === 'expired') this.endSession('Your session has expired; please log in again.');
    else if (state === 'refresh') this.refresh().catch(() => {});
  }
}
