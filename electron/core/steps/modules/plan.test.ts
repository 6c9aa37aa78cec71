import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { adapterFor } from '../../distro/detect';
import type { TargetProbeItem } from '../../engine/target';
import { RECOMMENDED_NAMES } from './catalog';
import { parseBlocklistFile } from './parse';
import { decideModule, FILE_HEADER, planModules, type ModulesFacts, type ModulesOptions } from './plan';
import { modulesFactsFrom, modulesProbeCommands } from './probe';
import { modulesOptions, modulesStep } from './step';
import { recordedModuleAnswers } from './testing/recorded';

const fx = (name: string) => readFileSync(join(__dirname, 'fixtures', name), 'utf8');
const distroFx = (name: string) => readFileSync(join(__dirname, '..', '..', 'distro', 'fixtures', name), 'utf8');
const debian = adapterFor(distroFx('debian-12-os-release'));
const alpine = adapterFor(distroFx('alpine-3.20-os-release'));
const PATH = '/etc/modprobe.d/hardenlab-blacklist.conf';

/** The probe of the lab VM's baseline, answered from recorded output. */
function baseline(over: Record<string, TargetProbeItem> = {}, kmod: (v: string) => string | null = (v) => debian.kmodPackageNeeded(v)): ModulesFacts {
  const items: Record<string, TargetProbeItem> = { ...recordedModuleAnswers(), ...over };
  return modulesFactsFrom(items, PATH, kmod);
}

const opts = (o: Partial<ModulesOptions> = {}): ModulesOptions => modulesOptions.parse(o);

describe('modules probe', () => {
  it('asks every fact in one round trip, with module names only as argv words', () => {
    const cmds = modulesProbeCommands(PATH);
    expect(cmds['dry:sctp']).toEqual(['modprobe', '-D', 'sctp']);
    expect(Object.keys(cmds).filter((k) => k.startsWith('dry:'))).toHaveLength(RECOMMENDED_NAMES.length);
    expect(cmds.ourFile).toEqual(['cat', PATH]);
    for (const [name, argv] of Object.entries(cmds)) if (argv[0] === 'sh') expect(argv[2], name).not.toMatch(/cramfs|sctp/);
  });

  it('derives the container dependencies from depmod\'s index', () => {
    const f = baseline();
    for (const m of ['llc', 'stp', 'bridge', 'udp_tunnel', 'libcrc32c', 'nf_conntrack', 'nf_defrag_ipv4']) expect(f.containerDeps, m).toContain(m);
    expect(f.containerDeps).not.toContain('sctp');
    expect(f.kmodPackage).toBeNull();
    expect(f.modulesDisabled).toBe(false);
  });
});

describe('modules plan on the lab baseline', () => {
  it('blocks the recommended set, absent ones included, and regenerates the initramfs', () => {
    const plan = planModules(baseline(), opts(), debian);
    expect(plan.nothingToDo).toBe(false);
    expect(plan.data?.blocked).toEqual(RECOMMENDED_NAMES);
    expect(plan.files).toHaveLength(1);
    const after = plan.files[0]!.after!;
    expect(after.startsWith(FILE_HEADER)).toBe(true);
    expect(after).toContain('# squashfs: compressed read-only images (snaps and live media need it)\ninstall squashfs /bin/false\nblacklist squashfs\n');
    expect(plan.files[0]).toMatchObject({ path: PATH, before: null, mode: '0644' });
    expect(plan.commands.map((c) => c.argv.join(' '))).toEqual(['update-initramfs -u -k all']);
    expect(plan.warnings?.find((w) => w.message.startsWith('Not in the kernel'))?.message).toMatch(/cramfs, freevxfs, jffs2, hfs, hfsplus, usb_storage/);
    expect(plan.summary).toMatch(/^Block cramfs, .*tipc in \/etc\/modprobe.d\/hardenlab-blacklist.conf and regenerate the initramfs\.$/);
  });

  it('re-plans to nothing once the file is in place', () => {
    const first = planModules(baseline(), opts(), debian);
    const again = planModules(baseline({ ourFile: { code: 0, stdout: first.files[0]!.after! } }), opts(), debian);
    expect(again.nothingToDo).toBe(true);
    expect(again.files).toEqual([]);
    expect(again.commands).toEqual([]);
    // A narrower request later never unblocks what the file already blocks.
    const narrower = planModules(baseline({ ourFile: { code: 0, stdout: first.files[0]!.after! } }), opts({ modules: ['sctp'] }), debian);
    expect(narrower.nothingToDo).toBe(true);
  });

  it('unloads loaded, unused modules as optional commands, and leaves them loaded when asked', () => {
    const loaded = fx('debian12-cloud-proc-modules') + 'dccp 86016 0 - Live 0x0000000000000000\n';
    const plan = planModules(baseline({ modules: { code: 0, stdout: loaded } }), opts(), debian);
    expect(plan.commands.at(-1)).toMatchObject({ argv: ['modprobe', '-r', 'dccp'], elevated: true, optional: true });
    expect(plan.data?.unload).toEqual(['dccp']);
    const keep = planModules(baseline({ modules: { code: 0, stdout: loaded } }), opts({ unloadNow: false }), debian);
    expect(keep.commands.some((c) => c.argv[1] === '-r')).toBe(false);
    expect(keep.warnings?.some((w) => /dccp stays loaded until the next reboot/.test(w.message))).toBe(true);
  });

  it('leaves out what is in use or mounted, saying why', () => {
    const procModules = fx('debian12-cloud-proc-modules') + 'sctp 446464 2 - Live 0x0\nsquashfs 73728 1 - Live 0x0\n';
    const mounts = fx('debian12-proc-mounts') + '/dev/loop0 /snap/core/1 squashfs ro,nodev,relatime 0 0\n';
    const plan = planModules(baseline({ modules: { code: 0, stdout: procModules }, mounts: { code: 0, stdout: mounts } }), opts(), debian);
    expect(plan.data?.blocked).not.toContain('sctp');
    expect(plan.data?.blocked).not.toContain('squashfs');
    const note = plan.warnings?.find((w) => w.message.startsWith('Left out'))?.message ?? '';
    expect(note).toMatch(/sctp is loaded and in use \(held 2 times\)/);
    expect(note).toMatch(/squashfs is loaded and in use/);
    // Not loaded but mounted (the module check comes first when both hold).
    const onlyMounted = planModules(baseline({ mounts: { code: 0, stdout: mounts } }), opts(), debian);
    expect(onlyMounted.warnings?.find((w) => w.message.startsWith('Left out'))?.message).toMatch(/squashfs serves the file system mounted at \/snap\/core\/1/);
  });

  it('refuses explicit names that are unknown, in use, needed by containers or built in, naming them', () => {
    const f = { ...baseline(), candidates: { ...baseline().candidates, unix: { name: 'unix', info: { filename: '(builtin)', description: '' }, dryRun: { install: null, loads: [] } } } };
    expect(() => planModules(f, opts({ modules: ['nosuchmod', 'alsonot'] }), debian)).toThrow(/Unknown modules for the kernel 6.1.0-50-cloud-amd64: nosuchmod, alsonot/);
    expect(() => planModules(f, opts({ modules: ['overlay'] }), debian)).toThrow(/overlay is needed by containers/);
    expect(() => planModules(f, opts({ modules: ['libcrc32c'] }), debian)).toThrow(/libcrc32c is needed by containers/);
    // Use count 0 in /proc/modules, yet it drives the network card this very session runs over.
    expect(f.loaded.find((m) => m.name === 'virtio_net')?.useCount).toBe(0);
    expect(() => planModules(f, opts({ modules: ['virtio_net'] }), debian)).toThrow(/virtio_net is loaded and in use \(drives virtio1\)/);
    expect(() => planModules(f, opts({ modules: ['virtio_pci', 'kvm'] }), debian)).toThrow(/virtio_pci is loaded and in use \(drives 0000:00:01.0, 0000:00:02.0, 0000:00:03.0\); kvm is loaded and in use \(used by kvm_amd\)/);
    expect(() => planModules(f, opts({ modules: ['ext4'] }), debian)).toThrow(/ext4 serves the file system mounted at \//);
    expect(() => planModules(f, opts({ modules: ['unix'] }), debian)).toThrow(/unix is built into the kernel 6.1.0-50-cloud-amd64: modprobe cannot stop it/);
    try {
      planModules(f, opts({ modules: ['fuse'] }), debian);
      expect.unreachable();
    } catch (e) {
      expect(e).toMatchObject({ code: 'BAD_INPUT' });
    }
    // A recommended name is known even when this kernel lacks it: it is blocked for a later kernel.
    expect(planModules(f, opts({ modules: ['cramfs'] }), debian).data?.blocked).toEqual(['cramfs']);
    expect(decideModule('usb-storage', f, true)).toMatchObject({ module: 'usb_storage', block: true });
  });

  it('refuses names with shell metacharacters in the options, before anything else', () => {
    for (const bad of ['x; rm -rf /', '$(reboot)', '`id`', 'a b', '../x', '']) {
      const r = modulesOptions.safeParse({ modules: [bad] });
      expect(r.success, bad).toBe(false);
      expect(r.error?.issues[0]?.message).toMatch(/is not a valid module name: use letters, digits, dash and underscore/);
    }
    expect(modulesOptions.safeParse({ modules: ['usb-storage', 'sctp'] }).success).toBe(true);
    expect(modulesOptions.safeParse({ surprise: true }).success).toBe(false);
  });

  it('warns about an earlier install line that would win over ours', () => {
    const rules = fx('debian12-modprobe-rules') + '/etc/modprobe.d/00-local.conf:3:install sctp /sbin/modprobe --ignore-install sctp\n';
    const plan = planModules(baseline({ rules: { code: 0, stdout: rules } }), opts(), debian);
    expect(plan.warnings?.some((w) => /00-local.conf:3 already says "install sctp/.test(w.message))).toBe(true);
  });

  it('freezes module loading as the last command, marked irreversible, Docker-aware', () => {
    const plan = planModules(baseline({ containersInstalled: { code: 0, stdout: 'docker\ndockerd\n' } }), opts({ disableLoading: true }), debian);
    expect(plan.commands.at(-1)?.argv).toEqual(['sysctl', '-w', 'kernel.modules_disabled=1']);
    expect(plan.warnings?.map((w) => w.kind)).toEqual(expect.arrayContaining(['irreversible-until-reboot', 'breaks-docker']));
    const noDocker = planModules(baseline(), opts({ disableLoading: true }), debian);
    expect(noDocker.warnings?.map((w) => w.kind)).not.toContain('breaks-docker');
    const done = planModules(baseline({ disabled: { code: 0, stdout: '1\n' }, ourFile: { code: 0, stdout: plan.files[0]!.after! } }), opts({ disableLoading: true }), debian);
    expect(done.nothingToDo).toBe(true);
  });
});

describe('modules plan on busybox-only Alpine (recorded formats)', () => {
  const busybox = (o: Record<string, TargetProbeItem> = {}) =>
    baseline({ modprobeVersion: { code: 0, stdout: distroFx('alpine-busybox-modprobe-version') }, release: { code: 0, stdout: '6.6.58-0-lts\n' }, ...o }, (v) => alpine.kmodPackageNeeded(v));

  it('installs kmod first (install lines need it) and regenerates with mkinitfs', () => {
    const f = busybox();
    expect(f.kmodPackage).toBe('kmod');
    const plan = planModules(f, opts(), alpine);
    expect(plan.commands.map((c) => c.argv.join(' '))).toEqual(['apk update --quiet', 'apk add --quiet kmod', 'mkinitfs']);
    expect(plan.packages).toEqual({ install: ['kmod'], remove: [] });
    expect(plan.warnings?.map((w) => w.kind)).toContain('needs-network');
    expect(plan.data?.provable).toBe(true);
  });

  it('says plainly that without kmod only the blacklist lines hold', () => {
    const plan = planModules(busybox(), opts({ installKmod: false }), alpine);
    expect(plan.commands.map((c) => c.argv[0])).toEqual(['mkinitfs']);
    expect(plan.warnings?.find((w) => /busybox's, which ignores "install" lines/.test(w.message))).toBeDefined();
    expect(plan.data?.provable).toBe(false);
  });

  it('audits busybox as failing for modules the kernel has, skipping absent ones', () => {
    const checks = modulesStep.audit(busybox());
    expect(checks.find((c) => c.id === 'modules.blacklisted.dccp')).toMatchObject({ status: 'fail', evidence: expect.stringMatching(/busybox, which ignores install lines.*kmod is needed/) });
    expect(checks.find((c) => c.id === 'modules.blacklisted.cramfs')?.status).toBe('skip');
  });
});

describe('modules audit', () => {
  it('fails loadable modules, skips absent ones, and passes once blocked', () => {
    const before = modulesStep.audit(baseline());
    expect(before.find((c) => c.id === 'modules.blacklisted.sctp')).toMatchObject({ status: 'fail', evidence: expect.stringContaining('insmod sctp') });
    expect(before.find((c) => c.id === 'modules.blacklisted.cramfs')).toMatchObject({ status: 'skip', evidence: 'not a module of 6.1.0-50-cloud-amd64 (modinfo: not found)' });
    expect(before.find((c) => c.id === 'modules.loaded-unneeded')?.status).toBe('pass');
    const blocked = Object.fromEntries(RECOMMENDED_NAMES.map((m) => [`dry:${m}`, { code: 0, stdout: 'install /bin/false \n' }]));
    const after = modulesStep.audit(baseline(blocked));
    expect(after.filter((c) => c.id.startsWith('modules.blacklisted.')).every((c) => c.status === 'pass')).toBe(true);
    const loaded = modulesStep.audit(baseline({ modules: { code: 0, stdout: 'dccp 86016 0 - Live 0x0\n' } }));
    expect(loaded.find((c) => c.id === 'modules.loaded-unneeded')).toMatchObject({ status: 'fail', evidence: 'lsmod: dccp (86016 bytes, use count 0)' });
  });
});

/**
 * The real judge: kmod's own modprobe reads the file we write (-C points it
 * at a directory holding only our file) and says what it would do. Needs the
 * Debian package kmod on the machine that runs the tests.
 */
describe('the written file, as kmod reads it', () => {
  const modprobe = ['/usr/sbin/modprobe', '/sbin/modprobe'].find((p) => existsSync(p));
  const dir = mkdtempSync(join(tmpdir(), 'hl-modprobe-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('makes modprobe run /bin/false for every blocked module, and only for those', () => {
    if (!modprobe) throw new Error('kmod is required for this test: apt-get install kmod');
    const plan = planModules(baseline(), opts(), debian);
    writeFileSync(join(dir, 'hardenlab-blacklist.conf'), plan.files[0]!.after!);
    const ask = (m: string) => spawnSync(modprobe, ['-C', dir, '-D', m], { encoding: 'utf8' });
    for (const m of [...RECOMMENDED_NAMES, 'usb-storage']) {
      const r = ask(m);
      expect(r.stdout.trim(), m).toBe('install /bin/false');
      expect(r.status, m).toBe(0);
    }
    // A module not in the file is looked up in the (absent) module tree instead.
    expect(ask('overlay').stdout).not.toMatch(/install/);
    // kmod accepts the whole file (a syntax error would be reported on stderr).
    expect(spawnSync(modprobe, ['-C', dir, '-c'], { encoding: 'utf8' }).stderr).toBe('');
    expect(parseBlocklistFile(plan.files[0]!.after!).map((e) => e.module)).toEqual(RECOMMENDED_NAMES);
  });
});
