/**
 * The Content-Security-Policy sent with every response of the app, whichever
 * door serves it. Nothing inline, nothing remote: scripts, styles, images and
 * fonts come from the app's own origin; the only connection allowed besides
 * it is the browser mode's own WebSocket. No frames, no plugins, no forms.
 *
 * One exception, for style elements only: xterm.js injects <style> elements
 * for its theme and cell metrics, so `style-src-elem` allows inline ones.
 * CSS cannot run script, and with img/font/connect limited to our own origin
 * injected CSS has nowhere to send anything. Style attributes stay refused.
 */
export interface CspOptions {
  /** Extra origins allowed to connect (the browser mode's ws://127.0.0.1:PORT; a dev server in development). */
  connect?: string[];
  /** Extra script origins (only the Vite dev server in development). */
  scripts?: string[];
  /** Development only: Vite injects CSS as <style> elements while it serves. */
  allowInlineStyles?: boolean;
}

export function buildCsp(opts: CspOptions = {}): string {
  const directives: Array<[string, string[]]> = [
    ['default-src', ["'none'"]],
    ['script-src', ["'self'", ...(opts.scripts ?? [])]],
    ['style-src', ["'self'", ...(opts.allowInlineStyles ? ["'unsafe-inline'"] : [])]],
    ['style-src-elem', ["'self'", "'unsafe-inline'"]],
    ['style-src-attr', opts.allowInlineStyles ? ["'unsafe-inline'"] : ["'none'"]],
    ['img-src', ["'self'", 'data:']],
    ['font-src', ["'self'"]],
    ['connect-src', ["'self'", ...(opts.connect ?? [])]],
    ['worker-src', ["'none'"]],
    ['manifest-src', ["'none'"]],
    ['media-src', ["'none'"]],
    ['object-src', ["'none'"]],
    ['frame-src', ["'none'"]],
    ['child-src', ["'none'"]],
    ['frame-ancestors', ["'none'"]],
    ['base-uri', ["'none'"]],
    ['form-action', ["'none'"]],
  ];
  return directives.map(([k, v]) => `${k} ${v.join(' ')}`).join('; ');
}

/** Headers that go with the CSP on every response. */
export function securityHeaders(csp: string): Record<string, string> {
  return {
    'Content-Security-Policy': csp,
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'X-Frame-Options': 'DENY',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
    'Permissions-Policy': 'camera=(), microphone=(), geolocation=(), usb=(), serial=(), hid=(), bluetooth=(), payment=()',
  };
}
