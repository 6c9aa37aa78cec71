import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { adapterFor } from '../../distro/detect';
import type { TargetProbeItem } from '../../engine/target';
import { ALL_SETTINGS } from './catalog';
import { bootOrder, laterOverrides, normalizeValue, parseSysctlAll, parseSysctlConf, type ConfFile } from './parse';
import { planSysctl, type SysctlFacts } from './plan';
import { sysctlFactsFrom, sysctlProbeCommands } from './probe';
import { sysctlOptions, sysctlStep } from './step';
import { debian12SysctlFiles, recordedSysctlAnswers } from './testing/recorded';

const fx = (name: string) => readFileSync(join(__dirname, 'fixtures', name), 'utf8');
const distroFx = (name: string) => readFileSync(join(__dirname, '..', '..', 'distro', 'fixtures', name), 'utf8');
const debian = adapterFor(distroFx('debian-12-os-release'));
const alpine = adapterFor(distroFx('alpine-3.20-os-release'));
const PATH = '/etc/sysctl.d/99-zz-hardenlab.conf';

const DEBIAN_FILES: ConfFile[] = [
  ...debian12SysctlFiles(),
  // Merged /usr: /lib is /usr/lib, so the same files show up twice.
  { path: '/lib/sysctl.d/50-pid-max.conf', content: fx('usr-lib-50-pid-max.conf') },
  { path: '/lib/sysctl.d/99-protect-links.conf', content: fx('usr-lib-99-protect-links.conf') },
  { path: '/etc/sysctl.conf', content: fx('debian12-etc-sysctl.conf') },
];

/** The lab VM's baseline as the probe sees it, answered from recorded output. */
function baseline(over: Record<string, TargetProbeItem> = {}, files: ConfFile[] = DEBIAN_FILES): SysctlFacts {
  return sysctlFactsFrom(
    { ...recordedSysctlAnswers(), ...over },
    files,
    PATH,
  );
}

/** The facts after our plan was applied: the file in place, the values live. */
function appliedFrom(facts: SysctlFacts, plan: ReturnType<typeof planSysctl>): SysctlFacts {
  return { ...facts, ourFile: plan.files[0]?.after ?? facts.ourFile, values: { ...facts.values, ...plan.data!.expected } };
}

const opts = (o: Record<string, unknown> = {}) => sysctlOptions.parse(o);

describe('sysctl parsing', () => {
  it('reads sysctl -a, tabs and empty values included', () => {
    const v = parseSysctlAll(fx('debian12-cloud-sysctl-a'));
    expect(v.size).toBe(951);
    expect(v.get('kernel.printk')).toBe('7 4 1 7');
    expect(v.get('net.ipv4.ip_local_reserved_ports')).toBe('');
    expect(v.get('kernel.unprivileged_bpf_disabled')).toBe('2');
    expect(normalizeValue('7\t4\t1\t7\n')).toBe('7 4 1 7');
  });

  it('reads config files the way systemd-sysctl does', () => {
    expect(parseSysctlConf('# c\n; c\n\nkernel.sysrq=0\n -net.ipv4.ip_forward = 1 \nkernel/kptr_restrict = 2\nbogus\n')).toEqual([
      { line: 4, key: 'kernel.sysrq', value: '0' },
      { line: 5, key: 'net.ipv4.ip_forward', value: '1' },
      { line: 6, key: 'kernel.kptr_restrict', value: '2' },
    ]);
    expect(parseSysctlConf(fx('debian12-etc-sysctl.conf'))).toEqual([]);
  });
});

describe('boot order', () => {
  const root = mkdtempSync(join(tmpdir(), 'hl-sysctl-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('matches systemd-sysctl\'s own order (systemd-analyze cat-config)', () => {
    const analyze = ['/usr/bin/systemd-analyze', '/bin/systemd-analyze'].find((p) => existsSync(p));
    if (!analyze) throw new Error('systemd-analyze is required for this test: apt-get install systemd');
    const files: ConfFile[] = [
      { path: '/usr/lib/sysctl.d/50-pid-max.conf', content: 'kernel.pid_max = 4194304\n' },
      { path: '/usr/lib/sysctl.d/99-protect-links.conf', content: 'fs.protected_fifos = 1\n' },
      { path: '/etc/sysctl.d/50-pid-max.conf', content: 'kernel.pid_max = 65536\n' },
      { path: '/run/sysctl.d/zz-late.conf', content: 'kernel.sysrq = 1\n' },
      { path: '/usr/local/lib/sysctl.d/10-local.conf', content: 'kernel.sysrq = 16\n' },
      { path: '/lib/sysctl.d/60-lib.conf', content: 'vm.swappiness = 10\n' },
      { path: PATH, content: 'fs.protected_fifos = 2\nkernel.sysrq = 0\n' },
    ];
    for (const f of files) {
      mkdirSync(dirname(join(root, f.path)), { recursive: true });
      writeFileSync(join(root, f.path), f.content);
    }
    writeFileSync(join(root, 'etc/sysctl.conf'), 'kernel.sysrq = 1\n');
    symlinkSync('../sysctl.conf', join(root, 'etc/sysctl.d/99-sysctl.conf'));
    const all = [...files, { path: '/etc/sysctl.d/99-sysctl.conf', content: 'kernel.sysrq = 1\n' }, { path: '/etc/sysctl.conf', content: 'kernel.sysrq = 1\n' }];
    const r = spawnSync(analyze, ['cat-config', `--root=${root}`, 'sysctl.d'], { encoding: 'utf8' });
    const systemdOrder = r.stdout.split('\n').filter((l) => l.startsWith(`# ${root}/`)).map((l) => l.slice(2 + root.length));
    expect(systemdOrder.length).toBeGreaterThan(5);
    expect(bootOrder(all, { systemd: true }).map((f) => f.path)).toEqual(systemdOrder);
    // Debian's 99-protect-links.conf sorts before our 99-zz-: our fifos value wins; the later zz-late.conf wins over ours.
    const overrides = laterOverrides(bootOrder(all, { systemd: true }), PATH, new Map([['fs.protected_fifos', '2'], ['kernel.sysrq', '0']]));
    expect(overrides).toEqual([{ key: 'kernel.sysrq', path: '/run/sysctl.d/zz-late.conf', line: 1, value: '1' }]);
    // procps --system and OpenRC read /etc/sysctl.conf itself last.
    expect(bootOrder(all, { systemd: false }).at(-1)?.path).toBe('/etc/sysctl.conf');
  });
});

describe('sysctl plan on the lab baseline', () => {
  it('probes in one round trip plus the files', () => {
    const cmds = sysctlProbeCommands(PATH);
    expect(cmds.all).toEqual(['sysctl', '-a']);
    expect(cmds.ourFile).toEqual(['cat', PATH]);
  });

  it('sets what is weak, keeps what holds, and writes why on every line', () => {
    const plan = planSysctl(baseline(), opts(), debian);
    const e = plan.data!.expected;
    expect(e['kernel.kptr_restrict']).toBe('2');
    expect(e['kernel.yama.ptrace_scope']).toBe('2');
    expect(e['kernel.unprivileged_bpf_disabled']).toBe('1');
    expect(e['kernel.perf_event_paranoid']).toBe('3');
    expect(e['fs.protected_fifos']).toBe('2');
    expect(e['net.ipv4.ip_forward']).toBe('0');
    expect(e['net.ipv4.conf.eth0.accept_redirects']).toBe('0');
    expect(e['net.ipv6.conf.eth0.accept_redirects']).toBe('0');
    expect(e['net.ipv4.conf.lo.accept_redirects']).toBeUndefined();
    expect(e['kernel.unprivileged_userns_clone']).toBeUndefined();
    const after = plan.files[0]!.after!;
    expect(after).toContain('# Hide kernel addresses (/proc/kallsyms, %pK in logs) from every user: they defeat KASLR.\nkernel.kptr_restrict = 2\n');
    // ip_forward comes before the redirect settings it would reset.
    expect(after.indexOf('net.ipv4.ip_forward')).toBeLessThan(after.indexOf('net.ipv4.conf.all.accept_redirects'));
    expect(plan.commands).toEqual([{ argv: ['sysctl', '-p', PATH], elevated: true, why: expect.any(String) }]);
    expect(plan.warnings?.find((w) => w.kind === 'irreversible-until-reboot')?.message).toMatch(/kernel.unprivileged_bpf_disabled = 1 and kernel.kexec_load_disabled = 1 cannot be set back/);
    // Debian's 99-protect-links.conf sorts before us: no boot-time override to report.
    expect(plan.warnings?.some((w) => /At boot/.test(w.message))).toBe(false);
    expect(plan.summary).toMatch(/^Set \d+ kernel settings \(/);
  });

  it('re-plans to nothing once applied', () => {
    const facts = baseline();
    const plan = planSysctl(facts, opts(), debian);
    const again = planSysctl(appliedFrom(facts, plan), opts(), debian);
    expect(again.nothingToDo).toBe(true);
    expect(again.files).toEqual([]);
    expect(again.commands).toEqual([]);
    expect(again.warnings?.map((w) => w.kind)).not.toContain('irreversible-until-reboot');
  });

  it('never loosens the file: a narrower request keeps what it already sets', () => {
    const facts = baseline();
    const applied = appliedFrom(facts, planSysctl(facts, opts(), debian));
    const narrower = planSysctl(applied, opts({ keys: ['kernel.sysrq'] }), debian);
    expect(narrower.nothingToDo).toBe(true);
    const withExtra = planSysctl(applied, opts({ extra: { 'kernel.panic_on_oops': '1' } }), debian);
    expect(withExtra.files[0]!.after).toBe(applied.ourFile + '\n# Asked for by name.\nkernel.panic_on_oops = 1\n');
    expect(planSysctl(appliedFrom(applied, withExtra), opts(), debian).nothingToDo).toBe(true);
  });

  it('takes ip_forward out of the file once Docker arrives, and warns before breaking it on request', () => {
    const facts = baseline();
    const applied = appliedFrom(facts, planSysctl(facts, opts(), debian));
    const docker = { ...applied, containers: { installed: ['docker', 'dockerd'], running: [] } };
    const plan = planSysctl(docker, opts(), debian);
    expect(plan.files[0]!.after).not.toMatch(/ip_forward/);
    expect(plan.warnings?.some((w) => /Taken out of .*: net.ipv4.ip_forward = 0/.test(w.message))).toBe(true);
    const forced = planSysctl({ ...docker, values: { ...docker.values, 'net.ipv4.ip_forward': '1' } }, opts({ keys: ['net.ipv4.ip_forward'] }), debian);
    expect(forced.warnings?.find((w) => w.kind === 'breaks-docker')?.message).toMatch(/net.ipv4.ip_forward = 0: docker, dockerd need forwarding/);
  });

  it('reloads without rewriting when a value drifted but the file is right', () => {
    const facts = baseline();
    const plan = planSysctl(facts, opts(), debian);
    const applied = appliedFrom(facts, plan);
    const drifted = planSysctl({ ...applied, values: { ...applied.values, 'kernel.sysrq': '1' } }, opts(), debian);
    expect(drifted.files).toEqual([]);
    expect(drifted.commands.map((c) => c.argv.join(' '))).toEqual([`sysctl -p ${PATH}`]);
  });

  it('keeps a stronger value instead of lowering it', () => {
    const facts = baseline();
    const plan = planSysctl({ ...facts, values: { ...facts.values, 'kernel.yama.ptrace_scope': '3' } }, opts(), debian);
    expect(plan.data!.expected['kernel.yama.ptrace_scope']).toBe('3');
  });

  it('leaves ip_forward alone when Docker is installed, and says so', () => {
    const plan = planSysctl(baseline({ containersInstalled: { code: 0, stdout: 'docker\ndockerd\n' }, all: { code: 0, stdout: fx('debian12-cloud-sysctl-a').replace('net.ipv4.ip_forward = 0', 'net.ipv4.ip_forward = 1') } }), opts(), debian);
    expect(plan.data!.expected['net.ipv4.ip_forward']).toBeUndefined();
    expect(plan.files[0]!.after).not.toMatch(/ip_forward/);
    expect(plan.warnings?.find((w) => /left alone so containers keep their network/.test(w.message))?.message).toMatch(/net.ipv4.ip_forward \(now 1\)/);
    const audit = sysctlStep.audit(baseline({ containersRunning: { code: 0, stdout: 'dockerd\n' } }));
    expect(audit.find((c) => c.id === 'sysctl.net.ipv4.ip_forward')?.status).toBe('skip');
    // Container interfaces are not pinned by name.
    const withBridge = planSysctl(baseline({ containersInstalled: { code: 0, stdout: 'docker\n' }, all: { code: 0, stdout: fx('debian12-cloud-sysctl-a') + 'net.ipv4.conf.docker0.accept_redirects = 1\nnet.ipv4.conf.veth1a2b.accept_redirects = 1\n' } }), opts(), debian);
    expect(Object.keys(withBridge.data!.expected).filter((k) => /docker0|veth/.test(k))).toEqual([]);
  });

  it('restricts user namespaces only when asked, marked as breaking rootless containers', () => {
    const plan = planSysctl(baseline(), opts({ restrictUserNamespaces: true }), debian);
    expect(plan.data!.expected['kernel.unprivileged_userns_clone']).toBe('0');
    expect(plan.warnings?.map((w) => w.kind)).toContain('breaks-docker');
    const upstream = baseline({ all: { code: 0, stdout: fx('debian12-cloud-sysctl-a').replace(/^kernel\.unprivileged_userns_clone = .*\n/m, '') } });
    expect(planSysctl(upstream, opts({ restrictUserNamespaces: true }), debian).warnings?.some((w) => /has no kernel.unprivileged_userns_clone/.test(w.message))).toBe(true);
  });

  it('uses perf_event_paranoid = 2 on kernels without the restrict patch', () => {
    const facts = baseline({ perfRestrict: { code: 0, stdout: '0\n' }, all: { code: 0, stdout: fx('debian12-cloud-sysctl-a').replace('kernel.perf_event_paranoid = 3', 'kernel.perf_event_paranoid = 2') } });
    const plan = planSysctl(facts, opts(), debian);
    expect(plan.data!.expected['kernel.perf_event_paranoid']).toBe('2');
  });

  it('only sets keys this kernel has, saying which are missing', () => {
    const old = baseline({ all: { code: 0, stdout: fx('debian12-cloud-sysctl-a').replace(/^dev\.tty\.ldisc_autoload = .*\n/m, '') } });
    const plan = planSysctl(old, opts(), debian);
    expect(plan.data!.expected['dev.tty.ldisc_autoload']).toBeUndefined();
    expect(plan.warnings?.find((w) => w.message.startsWith('Not on the kernel'))?.message).toMatch(/dev.tty.ldisc_autoload/);
  });

  it('chooses a subset, adds extras, and refuses unknown keys naming them', () => {
    const plan = planSysctl(baseline(), opts({ keys: ['kernel.kptr_restrict', 'kernel.sysrq'], extra: ['kernel.panic_on_oops=1'] }), debian);
    expect(plan.data!.expected).toEqual({ 'kernel.kptr_restrict': '2', 'kernel.sysrq': '0', 'kernel.panic_on_oops': '1' });
    expect(plan.files[0]!.after).toMatch(/# Asked for by name\.\nkernel.panic_on_oops = 1\n/);
    expect(() => planSysctl(baseline(), opts({ keys: ['kernel.nosuch_key'] }), debian)).toThrow(/kernel.nosuch_key is not a setting of this step/);
    expect(() => planSysctl(baseline(), opts({ extra: { 'kernel.nosuch': '1', 'net.bogus.key': '2' } }), debian)).toThrow(/Unknown sysctl keys: kernel.nosuch, net.bogus.key do not exist on the kernel 6.1.0-50-cloud-amd64/);
    try {
      planSysctl(baseline(), opts({ extra: { 'kernel.nosuch': '1' } }), debian);
      expect.unreachable();
    } catch (e) {
      expect(e).toMatchObject({ code: 'BAD_INPUT', hint: expect.stringMatching(/Nothing was changed/) });
    }
  });

  it('refuses keys and values that could inject anything, before the VM is asked', () => {
    const bad = [{ keys: ['kernel.sysrq; reboot'] }, { extra: { 'kernel.x$(reboot)': '1' } }, { extra: { 'kernel.sysrq': '0\nkernel.modules_disabled = 1' } }, { extra: ['kernel.sysrq=0; reboot'] }, { extra: { 'kernel.core_pattern': '|/bin/sh' } }];
    for (const o of bad) expect(sysctlOptions.safeParse(o).success, JSON.stringify(o)).toBe(false);
    expect(sysctlOptions.safeParse({ keys: ['kernel.sysrq; reboot'] }).error?.issues[0]?.message).toMatch(/is not a valid sysctlKey name/);
    expect(sysctlOptions.parse({ extra: ['kernel.printk=4 4 1 7'] }).extra).toEqual({ 'kernel.printk': '4 4 1 7' });
  });

  it('warns when a file read later at boot would undo a value', () => {
    const files = [...DEBIAN_FILES, { path: '/etc/sysctl.d/zz-local.conf', content: '# local\nkernel.kptr_restrict = 1\n' }];
    const plan = planSysctl(baseline({}, files), opts(), debian);
    expect(plan.warnings?.find((w) => /At boot/.test(w.message))?.message).toBe(
      'At boot, /etc/sysctl.d/zz-local.conf:2 is read after 99-zz-hardenlab.conf and sets kernel.kptr_restrict = 1, which wins over 2. Remove or change that line.',
    );
  });

  it('on OpenRC (Alpine), /etc/sysctl.conf is read last and can win', () => {
    const files = [{ path: '/etc/sysctl.conf', content: 'kernel.sysrq = 1\n' }];
    const plan = planSysctl(baseline({ systemd: { code: 1, stdout: '' } }, files), opts(), alpine);
    expect(plan.commands[0]?.argv).toEqual(['sysctl', '-p', PATH]);
    expect(plan.warnings?.some((w) => /\/etc\/sysctl.conf:1 is read after .* kernel.sysrq = 1/.test(w.message))).toBe(true);
  });
});

describe('sysctl audit', () => {
  it('checks every key, with the current value as evidence', () => {
    const checks = sysctlStep.audit(baseline());
    expect(checks).toHaveLength(ALL_SETTINGS.filter((s) => !s.optIn).length);
    expect(checks.find((c) => c.id === 'sysctl.kernel.kptr_restrict')).toMatchObject({ status: 'fail', evidence: 'sysctl kernel.kptr_restrict = 0 (wanted 2)' });
    expect(checks.find((c) => c.id === 'sysctl.kernel.dmesg_restrict')).toMatchObject({ status: 'pass', evidence: 'sysctl kernel.dmesg_restrict = 1' });
    const missing = sysctlStep.audit(baseline({ all: { code: 0, stdout: 'kernel.sysrq = 0\n' } }));
    expect(missing.find((c) => c.id === 'sysctl.kernel.kptr_restrict')?.status).toBe('skip');
    const facts = baseline();
    const after = sysctlStep.audit(appliedFrom(facts, planSysctl(facts, opts(), debian)));
    expect(after.filter((c) => c.status === 'fail')).toEqual([]);
  });
});
