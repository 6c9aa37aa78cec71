import type { Canary } from '../../../shared/canary';
import { TIMED_OUT_CODES } from './command';

/** What came back from running a canary's command (or opening its TCP connection from here). */
export interface CanaryOutput {
  code: number | null;
  signal?: string | null;
  stdout: string;
  stderr: string;
}

const TAIL = 200;

function tail(s: string): string {
  const t = s.trim().replace(/\s+/g, ' ');
  return t.length > TAIL ? `…${t.slice(-TAIL)}` : t;
}

function exitText(o: CanaryOutput): string {
  return o.code === null ? `killed by ${o.signal ?? 'a signal'}` : `exit ${o.code}`;
}

/** Pure: whether a canary passed, with evidence a person can read in a table cell. */
export function judgeCanary(c: Canary, o: CanaryOutput): { ok: boolean; evidence: string } {
  if (o.code !== null && TIMED_OUT_CODES.includes(o.code) && c.kind !== 'command') return { ok: false, evidence: `did not answer within ${c.timeoutSec} s` };
  if (o.code === 127 && /has (neither|no) /.test(o.stderr)) return { ok: false, evidence: tail(o.stderr) };
  switch (c.kind) {
    case 'command': {
      if (o.code !== null && TIMED_OUT_CODES.includes(o.code) && c.expectExit !== o.code) return { ok: false, evidence: `did not finish within ${c.timeoutSec} s` };
      const out = tail(o.stdout);
      const err = tail(o.stderr);
      const said = [out && `stdout: ${out}`, err && `stderr: ${err}`].filter(Boolean).join('; ');
      if (o.code !== c.expectExit) return { ok: false, evidence: `${exitText(o)} (wanted ${c.expectExit})${said ? `; ${said}` : ''}` };
      if (c.stdoutMatch && !new RegExp(c.stdoutMatch, 'm').test(o.stdout)) return { ok: false, evidence: `${exitText(o)}, but stdout does not match /${c.stdoutMatch}/${out ? `: ${out}` : ' (it is empty)'}` };
      return { ok: true, evidence: `${exitText(o)}${c.stdoutMatch ? `, stdout matches /${c.stdoutMatch}/` : ''}${out ? `: ${out}` : ''}` };
    }
    case 'tcp':
      return o.code === 0 ? { ok: true, evidence: `${c.host}:${c.port} accepted a connection` } : { ok: false, evidence: `${c.host}:${c.port}: ${tail(o.stderr) || exitText(o)}` };
    case 'http': {
      const m = /\n?HLSTATUS (\d{3})\s*$/.exec(o.stdout);
      const status = m ? Number(m[1]) : null;
      const body = m ? o.stdout.slice(0, m.index) : o.stdout;
      if (status === null || status === 0) return { ok: false, evidence: `no HTTP answer from ${c.url}: ${tail(o.stderr) || exitText(o)}` };
      if (status !== c.expectStatus) return { ok: false, evidence: `HTTP ${status} (wanted ${c.expectStatus})` };
      if (c.bodyMatch && !new RegExp(c.bodyMatch, 'm').test(body)) return { ok: false, evidence: `HTTP ${status}, but the body does not match /${c.bodyMatch}/: ${tail(body) || '(empty)'}` };
      return { ok: true, evidence: `HTTP ${status}${c.bodyMatch ? `, body matches /${c.bodyMatch}/` : ''}` };
    }
    case 'service': {
      const state = tail(o.stdout) || tail(o.stderr);
      return o.code === 0 ? { ok: true, evidence: `${c.unit}: ${state || 'active'}` } : { ok: false, evidence: `${c.unit}: ${state || exitText(o)}` };
    }
    case 'container': {
      if (c.container) {
        const state = o.stdout.trim();
        if (o.code === 0 && state === 'running') return { ok: true, evidence: `${c.container} is running` };
        return { ok: false, evidence: o.code === 0 ? `${c.container} is ${state || 'in an unknown state'}` : `${c.engine} inspect ${c.container}: ${tail(o.stderr) || exitText(o)}` };
      }
      if (o.code === 0) return { ok: true, evidence: `${c.engine} run --rm ${c.image}: exit 0${tail(o.stdout) ? `: ${tail(o.stdout)}` : ''}` };
      return { ok: false, evidence: `${c.engine} run --rm ${c.image}: ${exitText(o)}${tail(o.stderr) ? `: ${tail(o.stderr)}` : ''}` };
    }
  }
}
