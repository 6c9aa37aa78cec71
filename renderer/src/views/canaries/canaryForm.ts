import type { CanaryKind } from '../../../../shared/canary';

/**
 * The add-canary form's fields as typed, turned into the canary the core
 * parses. Pure: the core's schema has the last word (names, patterns,
 * ranges); here only what a form must decide itself (an empty field is
 * "not given", argv is one argument per line so nothing is split or
 * interpreted).
 */
export interface CanaryFormState {
  kind: CanaryKind;
  name: string;
  description: string;
  timeoutSec: string;
  argv: string;
  elevated: boolean;
  expectExit: string;
  stdoutMatch: string;
  host: string;
  port: string;
  from: 'vm' | 'host';
  url: string;
  expectStatus: string;
  bodyMatch: string;
  unit: string;
  engine: 'docker' | 'podman';
  target: 'container' | 'image';
  container: string;
  image: string;
}

export const EMPTY_CANARY_FORM: CanaryFormState = {
  kind: 'command',
  name: '',
  description: '',
  timeoutSec: '30',
  argv: '',
  elevated: false,
  expectExit: '0',
  stdoutMatch: '',
  host: '127.0.0.1',
  port: '',
  from: 'vm',
  url: '',
  expectStatus: '200',
  bodyMatch: '',
  unit: '',
  engine: 'docker',
  target: 'container',
  container: '',
  image: '',
};

/** One argument per line; a trailing empty line (the last Enter) is not an argument. */
export function argvLines(text: string): string[] {
  const lines = text.split('\n').map((l) => l.replace(/\r$/, ''));
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** A whole number, or the text itself so the core's schema names the field that is wrong. */
function num(v: string): number | string | undefined {
  const t = v.trim();
  if (t === '') return undefined;
  return /^\d+$/.test(t) ? Number(t) : t;
}

export function canaryFromForm(f: CanaryFormState): Record<string, unknown> {
  const out: Record<string, unknown> = { kind: f.kind, name: f.name.trim() };
  const set = (k: string, v: unknown) => {
    if (v !== undefined && v !== '') out[k] = v;
  };
  set('description', f.description.trim());
  set('timeoutSec', num(f.timeoutSec));
  switch (f.kind) {
    case 'command':
      out.argv = argvLines(f.argv);
      if (f.elevated) out.elevated = true;
      set('expectExit', num(f.expectExit));
      set('stdoutMatch', f.stdoutMatch);
      break;
    case 'tcp':
      set('host', f.host.trim());
      set('port', num(f.port));
      out.from = f.from;
      break;
    case 'http':
      set('url', f.url.trim());
      set('expectStatus', num(f.expectStatus));
      set('bodyMatch', f.bodyMatch);
      break;
    case 'service':
      set('unit', f.unit.trim());
      break;
    case 'container':
      out.engine = f.engine;
      if (f.target === 'container') set('container', f.container.trim());
      else {
        set('image', f.image.trim());
        const argv = argvLines(f.argv);
        if (argv.length) out.argv = argv;
      }
      break;
  }
  return out;
}
