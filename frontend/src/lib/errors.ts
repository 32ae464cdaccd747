// Turning whatever the API answered into words for the user.

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly detail?: unknown,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

const reasons: Record<number, string> = {
  100: 'Continue', 101: 'Switching Protocols', 200: 'OK', 201: 'Created', 202: 'Accepted', 204: 'No Content',
  301: 'Moved Permanently', 302: 'Found', 303: 'See Other', 304: 'Not Modified', 307: 'Temporary Redirect',
  308: 'Permanent Redirect', 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found',
  405: 'Method Not Allowed', 408: 'Request Timeout', 409: 'Conflict', 410: 'Gone', 413: 'Payload Too Large',
  415: 'Unsupported Media Type', 418: "I'm a teapot", 422: 'Unprocessable Content', 429: 'Too Many Requests',
  500: 'Internal Server Error', 501: 'Not Implemented', 502: 'Bad Gateway', 503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

/** reasonPhrase is the standard phrase for an HTTP status ("" when unknown). */
export function reasonPhrase(status: number): string {
  return reasons[status] ?? '';
}

/** statusLabel is "200 OK", or just the number when the phrase is unknown. */
export function statusLabel(status: number): string {
  const r = reasonPhrase(status);
  return r ? `${status} ${r}` : String(status);
}

/** statusClass is the status family, for colouring: info, success, redirect, client or server. */
export function statusClass(status: number | null | undefined): 'info' | 'success' | 'redirect' | 'client' | 'server' | 'none' {
  if (status === null || status === undefined || !Number.isFinite(status)) return 'none';
  if (status < 200) return 'info';
  if (status < 300) return 'success';
  if (status < 400) return 'redirect';
  if (status < 500) return 'client';
  return 'server';
}

interface ValidationItem {
  loc?: unknown;
  msg?: unknown;
}

/** validationText words FastAPI-style 422 details: "email: Field required; password: Field required". */
export function validationText(items: ValidationItem[]): string {
  const parts = items.map((it) => {
    const loc = Array.isArray(it.loc) ? it.loc.filter((p, i) => !(i === 0 && p === 'body')).join('.') : '';
    const msg = typeof it.msg === 'string' ? it.msg : 'invalid value';
    return loc ? `${loc}: ${msg}` : msg;
  });
  return [...new Set(parts)].join('; ');
}

/** messageFor words a non-2xx answer from the API. body is the parsed JSON, or the raw text. */
export function messageFor(status: number, path: string, body: unknown): string {
  const detail = body && typeof body === 'object' && !Array.isArray(body) ? (body as { detail?: unknown }).detail : undefined;
  if (Array.isArray(detail)) {
    return `The server rejected the request: ${validationText(detail as ValidationItem[])}.`;
  }
  if (typeof detail === 'string' && detail !== '') {
    if (status === 404 && detail === 'Not Found') {
      return `The API has no endpoint ${path} (404 Not Found). Is the backend up to date?`;
    }
    if (status === 401 && detail === 'Not authenticated') return 'You are not logged in.';
    if (status === 403 && detail === 'Not permitted') return 'You are not permitted to do this: it needs an administrator.';
    if (status === 401 && (detail === 'Could not validate credentials' || detail === 'Token has expired')) {
      return 'Your session is no longer valid; please log in again.';
    }
    return detail;
  }
  switch (status) {
    case 413:
      return 'The request is too large for the server.';
    case 500:
      return 'The server hit an internal error (500 Internal Server Error). The server log has the details.';
    case 502:
    case 503:
    case 504:
      return `The API is unavailable (${statusLabel(status)}). Try again shortly.`;
  }
  const text = typeof body === 'string' ? body.trim().slice(0, 200) : '';
  return `The server answered ${statusLabel(status)}${text ? `: ${text}` : ''}.`;
}

/** networkMessage words a request that got no answer at all. */
export function networkMessage(base: string): string {
  return `Could not reach the DTBase API at ${base}. Check your network connection and that the backend is running.`;
}

/** errorText words any thrown value. */
export function errorText(e: unknown): string {
  if (e instanceof Error) return e.message;
  if (typeof e === 'string') return e;
  return 'Something went wrong.';
}
