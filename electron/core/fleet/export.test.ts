import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync, mkdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { ExperimentShape } from '../../../shared/domain';
import { unifiedDiff } from '../../../shared/diff';
import { exportFleet, mapCommand, provenChanges } from './fleet-export';
import { CanarySchema } from '../../../shared/canary';

function experiment(id: string, step: string, files: Array<{ path: string; before: string | null; after: string | null; mode?: string }>, commands: string[][], outcome: 'verified' | 'reverted' = 'verified'): ExperimentShape {
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
  });

  it('maps commands to what they mean', () => {
    expect(mapCommand(['/usr/sbin/sshd', '-t'])).toEqual({ kind: 'validate-sshd' });
    expect(mapCommand(['systemctl', 'reload', 'ssh'])).toEqual({ kind: 'service', name: 'ssh', state: 'reloaded' });
    expect(mapCommand(['rc-service', 'sshd', 'reload'])).toEqual({ kind: 'service', name: 'sshd', state: 'reloaded' });
    expect(mapCommand(['passwd', '-l', 'root'])).toEqual({ kind: 'lock-root' });
    expect(mapCommand(['env', 'DEBIAN_FRONTEND=noninteractive', 'apt-get', 'install', '-y', 'kmod'])).toEqual({ kind: 'packages', names: ['kmod'] });
    expect(mapCommand(['sysctl', '-p', '/etc/sysctl.d/90.conf'])).toEqual({ kind: 'command', argv: ['sysctl', '-p', '/etc/sysctl.d/90.conf'], optional: false });
  });

  it('writes a playbook that YAML parses back to the exact file contents', () => {
    const exps = [
      experiment('a', 'ssh', [{ path: '/etc/ssh/sshd_config.d/00-hardenlab.conf', before: null, after: 'PasswordAuthentication no\n', mode: '0644' }], [['/usr/sbin/sshd', '-t'], ['systemctl', 'reload', 'ssh']]),
      experiment('bb', 'sysctl', [{ path: '/etc/sysctl.d/90-hardenlab.conf', before: null, after: tricky }], [['sysctl', '-p', '/etc/sysctl.d/90-hardenlab.conf']]),
    ];
    const out = exportFleet(provenChanges(exps, undefined), { profile: 'lab', host: '127.0.0.1', port: 2222, user: 'lab', generatedAt: 'T' });
    expect(out.playbook.startsWith('---\n# Harden Lab: the changes proved on the lab VM "lab":\n')).toBe(true);
    expect(out.playbook).not.toMatch(/[&*]a\d/); // no YAML anchors or aliases: each task reads on its own
    const parsed = parse(out.playbook, { customTags: [{ tag: '!unsafe', resolve: (x: string) => x }] }) as Array<Record<string, unknown>>;
    expect(parsed).toEqual([
      {
        name: 'Harden Lab: ssh, sysctl',
        hosts: 'hardened',
        become: true,
        gather_facts: false,
        tasks: [
          {
            name: 'ssh: /etc/ssh/sshd_config.d/00-hardenlab.conf',
            'ansible.builtin.copy': { dest: '/etc/ssh/sshd_config.d/00-hardenlab.conf', content: 'PasswordAuthentication no\n', mode: '0644', backup: true, validate: '/usr/sbin/sshd -t -f %s' },
            notify: ['ssh: reload ssh'],
          },
          {
            name: 'sysctl: /etc/sysctl.d/90-hardenlab.conf',
            'ansible.builtin.copy': { dest: '/etc/sysctl.d/90-hardenlab.conf', content: tricky, backup: true },
            notify: ['sysctl: sysctl -p /etc/sysctl.d/90-hardenlab.conf'],
          },
        ],
        handlers: [
          { name: 'ssh: reload ssh', 'ansible.builtin.service': { name: 'ssh', state: 'reloaded' } },
          { name: 'sysctl: sysctl -p /etc/sysctl.d/90-hardenlab.conf', 'ansible.builtin.command': { argv: ['sysctl', '-p', '/etc/sysctl.d/90-hardenlab.conf'] }, changed_when: true },
        ],
      },
    ]);
    // And a second, independent YAML reader (PyYAML, as Ansible uses) reads the same contents.
    const dir = mkdtempSync(join(tmpdir(), 'hl-fleet-'));
    writeFileSync(join(dir, 'p.yml'), out.playbook);
    // Ansible's own loader knows !unsafe; a plain safe loader is taught it as a string.
    const load = 'import yaml,json,sys\nyaml.SafeLoader.add_constructor("!unsafe", lambda l, n: l.construct_scalar(n))\nprint(json.dumps(yaml.safe_load(open(sys.argv[1]))))';
    const py = ['/usr/bin/python3', '-c', load, join(dir, 'p.yml')];
    const r = spawnSync(py[0]!, py.slice(1), { encoding: 'utf8' });
    if (r.status !== 0 && /No module named/.test(r.stderr)) throw new Error('python3-yaml is needed (apt-get install python3-yaml)');
    expect(r.status, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as Array<{ tasks: Array<{ 'ansible.builtin.copy'?: { dest: string; content: string } }>; handlers: Array<{ name: string }> }>;
    const copies = doc[0]!.tasks.map((t) => t['ansible.builtin.copy']).filter(Boolean);
    expect(copies.map((c) => c!.content)).toEqual(['PasswordAuthentication no\n', tricky]);
    expect(doc[0]!.handlers.map((h) => h.name)).toEqual(['ssh: reload ssh', 'sysctl: sysctl -p /etc/sysctl.d/90-hardenlab.conf']);
    if (existsSync('/usr/bin/ansible-playbook')) {
      writeFileSync(join(dir, 'inv.ini'), out.inventory);
      const syntax = spawnSync('ansible-playbook', ['--syntax-check', '-i', join(dir, 'inv.ini'), join(dir, 'p.yml')], { encoding: 'utf8' });
      expect(syntax.status, syntax.stdout + syntax.stderr).toBe(0);
    }
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
    expect(tasks.map((t) => t.name)).toEqual(['Apply the changes before the canaries run', 'canary agent: command']);
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
      expect(ran.stdout).toMatch(/TASK \[canary literal: command\][^\n]*\nok: \[localhost\]/);
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
