import type { Proof, ProofExpect } from '../../../shared/domain';

/**
 * Judges a proof on what its command printed. The fleet export asks the same
 * question in Ansible and in sh (fleet/proof-tasks.ts); the rules here are
 * the reference both are tested against.
 */
export interface ProofOutput {
  code: number | null;
  stdout: string;
}

const lines = (stdout: string) => stdout.split('\n').map((l) => l.trim());

export function holdsOn(expect: ProofExpect, stdout: string): boolean {
  switch (expect.kind) {
    case 'equals':
      return stdout.trim().split(/\s+/).join(' ') === expect.value;
    case 'line': {
      const want = new Set(expect.anyOf);
      return lines(stdout).some((l) => want.has(l.toLowerCase()));
    }
    case 'range':
      return lines(stdout).some((l) => {
        const v = l.toLowerCase().startsWith(expect.prefix) ? l.slice(expect.prefix.length) : '';
        return /^\d{1,9}$/.test(v) && Number(v) >= expect.min && Number(v) <= expect.max;
      });
    case 'match': {
      const re = new RegExp(expect.pattern);
      return stdout.split('\n').some((l) => re.test(l));
    }
  }
}

export function describeExpect(e: ProofExpect): string {
  switch (e.kind) {
    case 'equals':
      return `prints ${e.value}`;
    case 'line':
      return e.anyOf.length === 1 ? `shows "${e.anyOf[0]}"` : `shows one of ${e.anyOf.map((v) => `"${v}"`).join(', ')}`;
    case 'range':
      return `shows "${e.prefix}N" with N from ${e.min} to ${e.max}`;
    case 'match':
      return `has a line matching ${e.pattern}`;
  }
}

/** sshd -T prints hundreds of lines: the evidence is the one about the same keyword. */
function lineAbout(stdout: string, wanted: string): string | undefined {
  const key = `${wanted.split(' ')[0]} `;
  return lines(stdout).find((l) => l.toLowerCase().startsWith(key));
}

export function judgeProof(p: Proof, r: ProofOutput): { ok: boolean; evidence: string } {
  const how = p.argv.join(' ');
  if (r.code !== 0) return { ok: false, evidence: `${how} failed (exit ${r.code ?? 'killed'})` };
  const ok = holdsOn(p.expect, r.stdout);
  const seen = p.expect.kind === 'line' ? lineAbout(r.stdout, p.expect.anyOf[0]!) : p.expect.kind === 'range' ? lineAbout(r.stdout, p.expect.prefix) : r.stdout.trim().split('\n')[0];
  return { ok, evidence: `${how}: ${seen?.trim() || 'no output'}${ok ? '' : ` (wanted: ${describeExpect(p.expect)})`}` };
}

/** A pattern's special characters taken literally, in the dialect every judge shares (bracket lists, no backslashes). */
export function literal(text: string): string {
  if (/[\\[\]^]/.test(text)) throw new Error(`cannot match ${JSON.stringify(text.slice(0, 40))} portably`);
  return text.replace(/[.*+?(){}|$]/g, (c) => `[${c}]`);
}
