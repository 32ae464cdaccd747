// Tokens: reading a JWT's claims (no verification: the server does that) and deciding when to refresh.

export interface Claims {
  sub: string;
  token_type: string;
  exp: number; // Unix seconds, server clock
}

/** decodeJwt returns the claims of a JWT, or null when it is not a well-formed token with sub and exp. */
export function decodeJwt(token: string): Claims | null {
  const parts = token.split('.');
  if (parts.length !== 3 || !parts[1]) return null;
  try {
    const b64 = parts[1].replace(/-/g, '+').replace(/_/g, '/');
    const padded = b64 + '='.repeat((4 - (b64.length % 4)) % 4);
    const bin = atob(padded);
    const bytes = Uint8Array.from(bin, (c) => c.charCodeAt(0));
    const claims = JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>;
    if (typeof claims.sub !== 'string' || typeof claims.exp !== 'number') return null;
    return { sub: claims.sub, token_type: String(claims.token_type ?? ''), exp: claims.exp };
  } catch {
    return null;
  }
}

/** A logged-in session. Times are milliseconds on the client's clock. */
export interface Session {
  email: string;
  access: string;
  refresh: string;
  issuedAt: number;
  accessExpiresAt: number;
  refreshExpiresAt: number;
}

/**
 * sessionFromTokens builds a session from a login or refresh answer. serverNow (from the response's
 * Date header, ms) corrects for a client clock that differs from the server's; without it the clocks
 * are taken to agree.
 */
export function sessionFromTokens(access: string, refresh: string, clientNow: number, serverNow?: number): Session {
  const a = decodeJwt(access);
  const r = decodeJwt(refresh);
  if (!a || !r) throw new Error('The server answered with malformed tokens.');
  // The Date header has whole seconds; ignore skews under 2 s, which are just that rounding.
  let offset = serverNow !== undefined && Number.isFinite(serverNow) ? serverNow - clientNow : 0;
  if (Math.abs(offset) < 2000) offset = 0;
  return {
    email: a.sub,
    access,
    refresh,
    issuedAt: clientNow,
    accessExpiresAt: a.exp * 1000 - offset,
    refreshExpiresAt: r.exp * 1000 - offset,
  };
}

/**
 * refreshDueAt is when to refresh the access token: a tenth of its lifetime before it expires, at
 * least 2 s and at most 60 s before.
 */
export function refreshDueAt(s: Session): number {
  const lifetime = Math.max(0, s.accessExpiresAt - s.issuedAt);
  const margin = Math.min(60_000, Math.max(2_000, lifetime * 0.1));
  return s.accessExpiresAt - margin;
}

/** sessionState says whether a session can be used as is, must be refreshed first, or is over. */
export function sessionState(s: Session, now: number): 'fresh' | 'refresh' | 'expired' {
  if (now >= s.refreshExpiresAt - 1000) return 'expired';
  if (now >= refreshDueAt(s)) return 'refresh';
  return 'fresh';
}

/** isSession checks a value read back from storage. */
export function isSession(v: unknown): v is Session {
  if (!v || typeof v !== 'object') return false;
  const s = v as Record<string, unknown>;
  return typeof s.email === 'string' && typeof s.access === 'string' && typeof s.refresh === 'string' &&
    typeof s.issuedAt === 'number' && typeof s.accessExpiresAt === 'number' && typeof s.refreshExpiresAt === 'number';
}
