import { Scalar } from 'yaml';
import { unsafe } from '../canaries/export';

/**
 * A file's content as the playbook shows it: a literal block, line for line;
 * with a tab in it, a double-quoted string ("\t"), since YAML linters reject
 * tabs in a playbook.
 */
export function fileContent(text: string): Scalar {
  const s = unsafe(text);
  if (text.includes('\t')) s.type = Scalar.QUOTE_DOUBLE;
  return s;
}

/**
 * The copy task's name, marked for ansible-lint where the export departs
 * from its defaults on purpose: a file that exists keeps the host's own mode
 * (risky-file-permissions wants one set), and tabs in a content are the
 * file's own (no-tabs reads task values).
 */
export function copyTaskName(name: string, f: { content: string | null; mode?: string }): string | Scalar {
  const skip = [...(f.content?.includes('\t') ? ['no-tabs'] : []), ...(f.mode ? [] : ['risky-file-permissions'])];
  if (skip.length === 0) return name;
  const s = new Scalar(name);
  s.comment = ` noqa: ${skip.join(' ')}`;
  return s;
}
