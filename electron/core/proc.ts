import { spawn } from 'node:child_process';
import { StringDecoder } from 'node:string_decoder';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { HardenLabError } from './errors';

/**
 * Runs a local program from an argv array. There is no shell anywhere in
 * this path: arguments reach the program exactly as given.
 */
export interface RunOptions {
  input?: string | Buffer;
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Cap on captured stdout/stderr each; the rest is dropped and `truncated` set. */
  maxOutputBytes?: number;
  onStdout?: (chunk: string) => void;
  onStderr?: (chunk: string) => void;
  signal?: AbortSignal;
}

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  truncated: boolean;
  timedOut: boolean;
}

export type Runner = (cmd: string, args: readonly string[], opts?: RunOptions) => Promise<RunResult>;

export const run: Runner = (cmd, args, opts = {}) =>
  new Promise((resolve, reject) => {
    const max = opts.maxOutputBytes ?? 16 * 1024 * 1024;
    const child = spawn(cmd, [...args], {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      stdio: ['pipe', 'pipe', 'pipe'],
      windowsHide: true,
    });
    const killTree = (sig: NodeJS.Signals) => {
      try {
        child.kill(sig);
      } catch {
        /* already gone */
      }
    };
    // A multi-byte character can be split across chunks: decode per stream.
    const decoders = { out: new StringDecoder('utf8'), err: new StringDecoder('utf8') };
    let stdout = '';
    let stderr = '';
    let truncated = false;
    let timedOut = false;
    let settled = false;
    const append = (which: 'out' | 'err', chunk: Buffer) => {
      const text = decoders[which].write(chunk);
      if (text === '') return;
      if (which === 'out') opts.onStdout?.(text);
      else opts.onStderr?.(text);
      const cur = which === 'out' ? stdout : stderr;
      if (cur.length >= max) {
        truncated = true;
        return;
      }
      const next = cur + text.slice(0, max - cur.length);
      if (next.length < cur.length + text.length) truncated = true;
      if (which === 'out') stdout = next;
      else stderr = next;
    };
    child.stdout.on('data', (c: Buffer) => append('out', c));
    child.stderr.on('data', (c: Buffer) => append('err', c));
    const timer =
      opts.timeoutMs !== undefined
        ? setTimeout(() => {
            timedOut = true;
            killTree('SIGKILL');
          }, opts.timeoutMs)
        : undefined;
    const onAbort = () => killTree('SIGTERM');
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    child.on('error', (err: NodeJS.ErrnoException) => {
      if (settled) return;
      settled = true;
      if (timer) clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      if (err.code === 'ENOENT') {
        reject(new HardenLabError('DRIVER_MISSING', `The program "${cmd}" was not found.`, { hint: `Install it or add it to PATH.`, cause: err }));
      } else {
        reject(err);
      }
    });
    const finish = (code: number | null, signal: NodeJS.Signals | null) => {
      if (settled) return;
      settled = true;
      if (timer) clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      for (const which of ['out', 'err'] as const) {
        const rest = decoders[which].end();
        if (rest) {
          if (which === 'out') stdout += rest;
          else stderr += rest;
        }
      }
      resolve({ code, signal, stdout, stderr, truncated, timedOut });
    };
    child.on('close', (code, signal) => finish(code, signal));
    // A grandchild that inherited the pipes can keep 'close' from ever firing
    // (a daemon, a killed wrapper's child): once the program itself has
    // exited, give its output a moment to drain, then stop waiting.
    child.on('exit', (code, signal) => {
      setTimeout(() => {
        if (settled) return;
        child.stdout.destroy();
        child.stderr.destroy();
        finish(code, signal);
      }, 250);
    });
    child.stdin.on('error', () => {
      /* the program may exit before reading its input; its exit status tells */
    });
    if (opts.input !== undefined) child.stdin.end(opts.input);
    else child.stdin.end();
  });

/** Finds a program on PATH, then in the extra places given; null when absent. */
export function which(name: string, extraDirs: readonly string[] = [], env: NodeJS.ProcessEnv = process.env): string | null {
  const isWin = process.platform === 'win32';
  const exts = isWin ? (env.PATHEXT ?? '.EXE;.CMD;.BAT').split(';') : [''];
  const dirs = [...(env.PATH ?? '').split(delimiter).filter(Boolean), ...extraDirs];
  for (const dir of dirs) {
    for (const ext of exts) {
      const candidate = join(dir, name + ext);
      try {
        accessSync(candidate, isWin ? constants.F_OK : constants.X_OK);
        return candidate;
      } catch {
        /* not here */
      }
    }
  }
  return null;
}
