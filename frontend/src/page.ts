// What every page gets from the shell, and what it gives back.

import type { ApiClient } from './api';

export interface PageContext {
  api: ApiClient;
  params: URLSearchParams;
  /** Aborted when the user leaves the page: stop loading and drawing. */
  signal: AbortSignal;
  /** The page's own area. */
  root: HTMLElement;
  navigate(url: string, opts?: { replace?: boolean }): void;
  /** Runs when the user leaves the page (destroy charts, timers). */
  onLeave(fn: () => void): void;
  /** Changes the query string without reloading the page. */
  setParams(params: URLSearchParams): void;
}

export interface Page {
  title: string;
  /** The navigation entry to highlight. */
  nav?: string;
  public?: boolean;
  render(ctx: PageContext): Promise<void> | void;
}
