// Where to go after logging in: only paths of this site, never another origin or the login page.
export function safeNext(next: string | null | undefined): string {
  return next && next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/\\') && !/^\/login(\?|$)/.test(next) ? next : '/';
}
