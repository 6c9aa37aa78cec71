import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync, mkdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { ExperimentShape, Proof } from '../../../shared/domain';
import { unifiedDiff } from '../../../shared/diff';
import { exportFleet, provenChanges } from './export';
import { changesToRoll } from './from-journal';
import { CanarySchema } from '../../../shared/canary';

function experiment(id: string, step: string, files: Array<{ path: string; before: string | null; after: string | null; mode?: string }>, commands: string[][], outcome: 'verified' | 'reverted' = 'verified', proofs: Proof[] = []): ExperimentShape {
  return {
    id,
    profile: 'lab',
    step,
    status: outcome,
    startedAt: `2026-11-29T0${id.length}:00:00Z`,
    snapshot: { id: 's', name: 'hl' },
    plan: {
      id: 'p',
      step,
      profile: 'lab',
      createdAt: '',
      summary: '',
      files: files.map((f) => ({ ...f, diff: unifiedDiff(f.path, f.before, f.after) })),
      commands: commands.map((argv) => ({ argv, elevated: true, why: 'test' })),
      packages: { install: [], remove: [] },
      rebootRequired: false,
      warnings: [],
      nothingToDo: false,
      proofs,
    },
    result: { experimentId: id, step, outcome, snapshot: null, checks: [], phases: [], durationMs: 1 },
    log: [],
  };
}

const tricky = '  leading spaces\n# a comment with "quotes" and \'single\' and $HOME and `id`\n\ttab\n\nkey: value\n';

describe('fleet export', () => {
  it('exports only proven experiments', () => {
    const exps = [experiment('a', 'ssh', [{ path: '/etc/x', before: null, after: 'x\n' }], []), experiment('bb', 'sysctl', [], [], 'reverted')];
    expect(provenChanges(exps, undefined).map((c) => c.step)).toEqual(['ssh']);
    expect(() => provenChanges(exps, 'bb')).toThrow(/not verified/);
    expect(() => provenChanges(exps, 'zz')).toThrow(/no experiment/);
    // Planned before plans carried proofs (an older journal): exported, and the notes say it cannot be proved on the hosts.
    const old = experiment('a', 'ssh', [{ path: '/etc/x', before: null, after: 'x\n' }], []);
    delete old.plan!.proofs;
    const out = exportFleet(provenChanges([old], undefined), { profile: 'lab', host: 'h', port: 22, user: 'u' });
    expect(out.notes).toEqual([expect.stringMatching(/^ssh \(experiment a\) was planned before plans carried their proofs/)]);
    expect(() => changesToRoll([old], 'a', false)).toThrow(/planned before plans carried their proofs/);
    expect(() => changesToRoll([old], 'a', true)).toThrow(/not a trial/);
  });

  it('writes a playbook that YAML parses back to the exact file contents', () => {
    const sshdProof: Proof = { name: 'sshd -T: passwordauthentication no', argv: ['/usr/sbin/sshd', '-T'], elevated: true, expect: { kind: 'line', anyOf: ['passwordauthentication no'] } };
    const sysctlProof: Proof = { name: 'kernel.kptr_restrict = 2', argv: ['sysctl', '-n', 'kernel.kptr_restrict'], elevated: true, expect: { kind: 'equals', value: '2' } };
    const exps = [
      experiment('a', 'ssh', [{ path: '/etc/ssh/sshd_config.d/00-hardenlab.conf', before: null, after: 'PasswordAuthentication no\n', mode: '0644' }], [['/usr/sbin/sshd', '-t'], ['systemctl', 'reload', 'ssh']], 'verified', [sshdProof]),
      experiment('bb', 'sysctl', [{ path: '/etc/sysctl.d/90-hardenlab.conf', before: null, after: tricky }], [['sysctl', '-p', '/etc/sysctl.d/90-hardenlab.conf']], 'verified', [sysctlProof]),
    ];
    const out = exportFleet(provenChanges(exps, undefined), { profile: 'lab', host: '127.0.0.1', port: 2222, user: 'lab', generatedAt: 'T', deadlineS: 90 });
    expect(out.playbook.startsWith('---\n# Harden Lab: the changes proved on the lab VM "lab":\n')).toBe(true);
    expect(out.playbook).not.toMatch(/[&*]a\d/); // no YAML anchors or aliases: each task reads on its own
    const parsed = parse(out.playbook, { customTags: [{ tag: '!unsafe', resolve: (x: string) => x }] }) as Array<{ tasks: Array<Record<string, unknown>>; handlers: unknown[] } & Record<string, unknown>>;
    expect(parsed).toHaveLength(1);
    expect(parsed[0]).toMatchObject({ name: 'Harden Lab: ssh, sysctl', hosts: 'hardened', become: true, gather_facts: false });
    const [block, sysctlCopy, flush, sysctlRead, sysctlCheck] = parsed[0]!.tasks as Array<Record<string, unknown>>;
    // sshd: arm the switch, write, reload, a fresh connection, the proofs, disarm; the rescue puts the host back and fails it.
    expect(block!.name).toBe("[ssh] sshd behind the dead-man's switch (90 s)");
    const inBlock = block!.block as Array<Record<string, unknown>>;
    expect(inBlock.map((t) => Object.keys(t).find((k) => k.startsWith('ansible.builtin.')))).toEqual([
      'ansible.builtin.command',
      'ansible.builtin.copy',
      'ansible.builtin.service',
      'ansible.builtin.meta',
      'ansible.builtin.wait_for_connection',
      'ansible.builtin.command',
      'ansible.builtin.assert',
      'ansible.builtin.command',
    ]);
    expect(inBlock[1]).toMatchObject({ 'ansible.builtin.copy': { dest: '/etc/ssh/sshd_config.d/00-hardenlab.conf', content: 'PasswordAuthentication no\n', mode: '0644', backup: true, validate: '/usr/sbin/sshd -t -f %s' }, register: 'hl_ssh_sshd_0' });
    expect(inBlock[2]).toMatchObject({ 'ansible.builtin.service': { name: 'ssh', state: 'reloaded' }, when: 'hl_ssh_sshd_0 is changed' });
    expect(inBlock[3]).toMatchObject({ 'ansible.builtin.meta': 'reset_connection' });
    expect(inBlock[5]).toMatchObject({ name: '[ssh] read /usr/sbin/sshd -T', register: 'hl_proof_ssh_0', changed_when: false, when: 'not ansible_check_mode' });
    expect(inBlock[6]).toMatchObject({ name: '[ssh] prove sshd -T: passwordauthentication no', when: 'not ansible_check_mode', vars: { hl_want: ['passwordauthentication no'] } });
    const rescue = block!.rescue as Array<Record<string, unknown>>;
    expect(rescue.at(-1)).toMatchObject({ 'ansible.builtin.fail': { msg: expect.stringContaining("the dead-man's switch put sshd's files back") } });
    expect(rescue.find((t) => t['ansible.builtin.wait_for_connection'])).toMatchObject({ 'ansible.builtin.wait_for_connection': { timeout: 210 } });
    expect(sysctlCopy).toEqual({
      name: '[sysctl] /etc/sysctl.d/90-hardenlab.conf',
      'ansible.builtin.copy': { dest: '/etc/sysctl.d/90-hardenlab.conf', content: tricky, backup: true },
      notify: ['[sysctl] sysctl -p /etc/sysctl.d/90-hardenlab.conf'],
    });
    expect(flush).toMatchObject({ 'ansible.builtin.meta': 'flush_handlers' });
    expect(sysctlRead).toMatchObject({ 'ansible.builtin.command': { argv: ['sysctl', '-n', 'kernel.kptr_restrict'] }, changed_when: false });
    expect(sysctlCheck).toMatchObject({ name: '[sysctl] prove kernel.kptr_restrict = 2', 'ansible.builtin.assert': { that: ["(hl_proof_sysctl_0.stdout.split() | join(' ')) == hl_want"] }, vars: { hl_want: '2' } });
    // sshd is reloaded in its block, not again by a handler.
    expect(parsed[0]!.handlers).toEqual([{ name: '[sysctl] sysctl -p /etc/sysctl.d/90-hardenlab.conf', 'ansible.builtin.command': { argv: ['sysctl', '-p', '/etc/sysctl.d/90-hardenlab.conf'] }, changed_when: true }]);
    // And a second, independent YAML reader (PyYAML, as Ansible uses) reads the same contents.
    const dir = mkdtempSync(join(tmpdir(), 'hl-fleet-'));
    writeFileSync(join(dir, 'p.yml'), out.playbook);
    // Ansible's own loader knows !unsafe; a plain safe loader is taught it as a string.
    const load = 'import yaml,json,sys\nyaml.SafeLoader.add_constructor("!unsafe", lambda l, n: l.construct_scalar(n))\nprint(json.dumps(yaml.safe_load(open(sys.argv[1]))))';
    const py = ['/usr/bin/python3', '-c', load, join(dir, 'p.yml')];
    const r = spawnSync(py[0]!, py.slice(1), { encoding: 'utf8' });
    if (r.status !== 0 && /No module named/.test(r.stderr)) throw new Error('python3-yaml is needed (apt-get install python3-yaml)');
    expect(r.status, r.stderr).toBe(0);
    type PyTask = { 'ansible.builtin.copy'?: { dest: string; content: string }; block?: PyTask[] };
    const doc = JSON.parse(r.stdout) as Array<{ tasks: PyTask[]; handlers: Array<{ name: string }> }>;
    const copies = doc[0]!.tasks.flatMap((t) => [t, ...(t.block ?? [])]).map((t) => t['ansible.builtin.copy']).filter(Boolean);
    expect(copies.map((c) => c!.content)).toEqual(['PasswordAuthentication no\n', tricky]);
    expect(doc[0]!.handlers.map((h) => h.name)).toEqual(['[sysctl] sysctl -p /etc/sysctl.d/90-hardenlab.conf']);
    writeFileSync(join(dir, 'inv.ini'), out.inventory);
    const syntax = spawnSync('ansible-playbook', ['--syntax-check', '-i', join(dir, 'inv.ini'), join(dir, 'p.yml')], { encoding: 'utf8' });
    expect(syntax.status, syntax.stdout + syntax.stderr).toBe(0);
    // Debian's ansible-lint, with its strictest profile (.ci/run installs it).
    const lint = spawnSync('ansible-lint', ['--nocolor', '-p', '--profile', 'production', 'p.yml'], { encoding: 'utf8', cwd: dir, env: { ...process.env, ANSIBLE_LINT_NODEPS: '1' } });
    if (lint.error) throw new Error(`ansible-lint is needed (apt-get install ansible-lint): ${lint.error.message}`);
    expect(lint.status, lint.stdout + lint.stderr).toBe(0);
  });

  it('writes a shell script that applies the same contents, then changes nothing the second time', () => {
    const root = mkdtempSync(join(tmpdir(), 'hl-fleet-sh-'));
    mkdirSync(join(root, 'etc'));
    const marker = join(root, 'ran');
    writeFileSync(join(root, 'etc', 'old.conf'), 'old\n');
    const exps = [
      experiment('a', 'demo', [
        { path: join(root, 'etc', 'new.conf'), before: null, after: tricky, mode: '0640' },
        { path: join(root, 'etc', 'old.conf'), before: 'old\n', after: 'new\n' },
      ], [['sh', '-c', `echo run >> ${marker}`]]),
    ];
    const out = exportFleet(provenChanges(exps, undefined), { profile: 'lab', host: 'h', port: 22, user: 'u' });
    const script = join(root, 'apply.sh');
    writeFileSync(script, out.shell);
    expect(spawnSync('sh', ['-n', script]).status).toBe(0);
    const first = spawnSync('sh', [script], { encoding: 'utf8' });
    expect(first.status, first.stderr).toBe(0);
    expect(readFileSync(join(root, 'etc', 'new.conf'), 'utf8')).toBe(tricky);
    expect(statSync(join(root, 'etc', 'new.conf')).mode & 0o777).toBe(0o640);
    expect(readFileSync(join(root, 'etc', 'old.conf'), 'utf8')).toBe('new\n');
    expect(readFileSync(marker, 'utf8')).toBe('run\n');
    const second = spawnSync('sh', [script], { encoding: 'utf8' });
    expect(second.status).toBe(0);
    expect(readFileSync(marker, 'utf8')).toBe('run\n');
  });

  it('carries the canaries that held in the lab: tasks that fail the host, and shell checks that exit 1', () => {
    const held = CanarySchema.parse({ kind: 'command', name: 'agent', argv: ['sh', '-c', 'echo "addr ffffffff81000000" # {{ lookup(\'pipe\', \'id\') }}'], stdoutMatch: '[1-9a-f]{8}' });
    const broken = CanarySchema.parse({ kind: 'command', name: 'needs-file', argv: ['test', '-e', '/nonexistent/hl'] });
    const fromHere = CanarySchema.parse({ kind: 'tcp', name: 'forward', port: 2222, from: 'host' });
    const exp = experiment('a', 'demo', [], []);
    const row = (c: typeof held, verdict: 'held' | 'already-failing') => ({ name: c.name, kind: c.kind, before: { ok: true, evidence: '' }, after: { ok: true, evidence: '' }, verdict, definition: c });
    exp.result!.canaries = [row(held, 'held'), row(fromHere, 'held'), { ...row(broken, 'already-failing') }];
    const out = exportFleet(provenChanges([exp], undefined), { profile: 'lab', host: 'h', port: 22, user: 'u' });
    // Ansible must not template what the operator typed: every argv element and pattern is !unsafe.
    expect(out.playbook).toContain(`- !unsafe "echo \\"addr ffffffff81000000\\" # {{ lookup('pipe', 'id') }}"`);
    expect(out.playbook).toContain(`hl_pattern: !unsafe "[1-9a-f]{8}"`);
    expect(out.notes).toContain('Canary "forward" checks a port from this machine (a lab port forward), so it is not part of the export.');
    const tasks = (parse(out.playbook, { customTags: [{ tag: '!unsafe', resolve: (x: string) => x }] }) as Array<{ tasks: Array<Record<string, unknown>> }>)[0]!.tasks;
    expect(tasks.map((t) => t.name)).toEqual(['Apply the changes before the proofs and canaries run', 'Canary agent: command']);
    expect(tasks[1]).toMatchObject({
      'ansible.builtin.command': { argv: ['timeout', '-k', '2', '30', 'sh', '-c', `echo "addr ffffffff81000000" # {{ lookup('pipe', 'id') }}`] },
      check_mode: false,
      changed_when: false,
      failed_when: 'hl_canary.rc != hl_expect_rc or hl_canary.stdout is not search(hl_pattern, multiline=True)',
      vars: { hl_expect_rc: 0, hl_pattern: '[1-9a-f]{8}' },
    });

    // Ansible itself runs the task on this machine and takes the argv as typed: were it templated, the lookup would print uid=...
    if (existsSync('/usr/bin/ansible-playbook')) {
      const adir = mkdtempSync(join(tmpdir(), 'hl-fleet-ansible-'));
      writeFileSync(join(adir, 'p.yml'), out.playbook);
      writeFileSync(join(adir, 'inv.ini'), '[hardened]\nlocalhost ansible_connection=local ansible_python_interpreter=/usr/bin/python3\n');
      const lit = CanarySchema.parse({ kind: 'command', name: 'literal', argv: ['sh', '-c', `echo "{{ lookup('pipe', 'id') }}"`], stdoutMatch: '^[{]{2} lookup' });
      // A file whose text came from the VM, with Jinja in a comment: written as it is, not templated.
      const withFile = experiment('f', 'demo', [{ path: join(adir, 'tmpl.conf'), before: null, after: `# {{ lookup('pipe', 'id') }}\n`, mode: '0644' }], []);
      withFile.result!.canaries = [row(lit, 'held')];
      writeFileSync(join(adir, 'p.yml'), exportFleet(provenChanges([withFile], undefined), { profile: 'lab', host: 'h', port: 22, user: 'u' }).playbook);
      const ran = spawnSync('ansible-playbook', ['-i', join(adir, 'inv.ini'), join(adir, 'p.yml'), '-e', 'ansible_become=false'], { encoding: 'utf8', env: { ...process.env, ANSIBLE_NOCOLOR: '1' } });
      expect(ran.status, ran.stdout + ran.stderr).toBe(0);
      expect(ran.stdout).toMatch(/TASK \[Canary literal: command\][^\n]*\nok: \[localhost\]/);
      expect(ran.stdout).toMatch(/failed=0\s/);
      expect(readFileSync(join(adir, 'tmpl.conf'), 'utf8')).toBe(`# {{ lookup('pipe', 'id') }}\n`);
      exp.result!.canaries = [row(held, 'held'), row(fromHere, 'held'), { ...row(broken, 'already-failing') }];
    }

    // The shell export runs the same checks at the end, for real: a canary that breaks makes it exit 1.
    const dir = mkdtempSync(join(tmpdir(), 'hl-fleet-canary-'));
    writeFileSync(join(dir, 'ok.sh'), out.shell);
    expect(spawnSync('sh', [join(dir, 'ok.sh')], { encoding: 'utf8' }).status).toBe(0);
    exp.result!.canaries = [row(held, 'held'), row(broken, 'held')];
    writeFileSync(join(dir, 'bad.sh'), exportFleet(provenChanges([exp], undefined), { profile: 'lab', host: 'h', port: 22, user: 'u' }).shell);
    const bad = spawnSync('sh', [join(dir, 'bad.sh')], { encoding: 'utf8' });
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain('Harden Lab: canary needs-file FAILS after the change');
    expect(bad.stderr).not.toContain('canary agent FAILS');
  });
});
