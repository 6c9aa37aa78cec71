import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { extlinuxConf, KERNEL_CMDLINE } from '../../lab/image/guest-files';
import { ALPINE_EXTLINUX, ALPINE_SOURCE, alpineLoader, kernelOpts } from './alpine';
import { effectiveValue, formatCmdline, parseCmdline, SAFE_OPTION } from './cmdline';
import { LAB_EXTLINUX, extlinuxLoader, parseExtlinux } from './extlinux';
import { GRUB_CFG, GRUB_DEFAULTS, GRUB_DROP_IN, grubLoader } from './grub';
import { detectBootLoader } from './index';

const fx = (name: string) => readFileSync(join(__dirname, 'fixtures', name), 'utf8');
const add = parseCmdline('init_on_alloc=1 slab_nomerge page_alloc.shuffle=1');

/** What a POSIX shell makes of a sourced file: how update-grub and update-extlinux read theirs. */
function sourced(files: string[], echo: string, preset = ''): string {
  const dir = mkdtempSync(join(tmpdir(), 'hl-boot-'));
  const paths = files.map((text, i) => {
    const p = join(dir, `f${i}`);
    writeFileSync(p, text);
    return p;
  });
  const r = spawnSync('sh', ['-c', `${preset}\n${paths.map((p) => `. ${p}`).join('\n')}\nprintf '%s' "${echo}"`], { encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout;
}

describe('the kernel command line', () => {
  it('parses flags, values and quoted values; the last occurrence is the one in effect', () => {
    const o = parseCmdline('root=/dev/vda1 ro quiet console=ttyS0,115200 dyndbg="file x.c +p" mitigations=auto mitigations=auto,nosmt');
    expect(o.slice(0, 3)).toEqual([{ key: 'root', value: '/dev/vda1' }, { key: 'ro', value: null }, { key: 'quiet', value: null }]);
    expect(effectiveValue(o, 'dyndbg')).toBe('file x.c +p');
    expect(effectiveValue(o, 'mitigations')).toBe('auto,nosmt');
    expect(effectiveValue(o, 'lockdown')).toBeUndefined();
    expect(formatCmdline(o)).toBe('root=/dev/vda1 ro quiet console=ttyS0,115200 dyndbg="file x.c +p" mitigations=auto mitigations=auto,nosmt');
  });

  it('writes only options that mean the same to every boot-loader file', () => {
    for (const ok of ['init_on_alloc=1', 'slab_nomerge', 'page_alloc.shuffle=1', 'mitigations=auto,nosmt', 'lockdown=integrity', 'module.sig_enforce=1']) expect(SAFE_OPTION.test(ok), ok).toBe(true);
    for (const bad of ['a;reboot', '$(id)', 'x="y z"', 'x=`id`', 'a b', 'x=\\n', '']) expect(SAFE_OPTION.test(bad), bad).toBe(false);
  });
});

describe('extlinux: the Debian lab', () => {
  const files = { [LAB_EXTLINUX]: extlinuxConf() };
  it('reads the next boot from the default label, and adds options there only', () => {
    expect(extlinuxLoader.nextBoot(files)).toEqual({ ok: true, cmdline: KERNEL_CMDLINE });
    const plan = extlinuxLoader.plan(files, add);
    expect(plan.commands).toEqual([]);
    const after = plan.files[0]!.after;
    expect(extlinuxLoader.nextBoot({ [LAB_EXTLINUX]: after })).toEqual({ ok: true, cmdline: `${KERNEL_CMDLINE} init_on_alloc=1 slab_nomerge page_alloc.shuffle=1` });
    // The fallback label keeps the command line it had: a way back at the boot prompt.
    expect(parseExtlinux(after).labels.find((l) => l.name === 'debian-old')!.append).toBe(KERNEL_CMDLINE);
    expect(after.split('\n').filter((l, i) => l !== extlinuxConf().split('\n')[i])).toEqual([`  APPEND ${KERNEL_CMDLINE} init_on_alloc=1 slab_nomerge page_alloc.shuffle=1`]);
  });
});

describe('GRUB: Debian and Ubuntu', () => {
  const files = { [GRUB_DEFAULTS]: fx('debian12-etc-default-grub'), [GRUB_DROP_IN]: null, [GRUB_CFG]: fx('debian12-grub.cfg-excerpt') };
  it('reads the next boot from the first entry of grub.cfg', () => {
    expect(grubLoader.nextBoot(files)).toEqual({ ok: true, cmdline: 'root=UUID=2c3c8d3e-4c1b-4d5e-9f0a-1b2c3d4e5f60 ro console=ttyS0,115200 quiet' });
    expect(grubLoader.nextBoot({ ...files, [GRUB_DEFAULTS]: `${files[GRUB_DEFAULTS]}GRUB_DEFAULT=saved\n` })).toEqual({ ok: false, why: expect.stringMatching(/GRUB_DEFAULT=saved/) });
    expect(grubLoader.nextBoot({ ...files, [GRUB_CFG]: null })).toMatchObject({ ok: false });
  });

  it('adds a drop-in read last that appends to the normal entries only, never editing /etc/default/grub', () => {
    const plan = grubLoader.plan(files, add);
    expect(plan.commands).toEqual([['update-grub']]);
    expect(plan.files.map((f) => f.path)).toEqual([GRUB_DROP_IN]);
    const dropIn = plan.files[0]!.after;
    // Sourced the way update-grub does: the defaults, then the drop-ins in order.
    expect(sourced([files[GRUB_DEFAULTS]!, dropIn], '$GRUB_CMDLINE_LINUX_DEFAULT|$GRUB_CMDLINE_LINUX', 'lsb_release() { echo Debian; }')).toBe('quiet init_on_alloc=1 slab_nomerge page_alloc.shuffle=1|');
    // An Ubuntu cloud image sets its own value in an earlier drop-in: ours appends to it.
    expect(sourced(['GRUB_CMDLINE_LINUX_DEFAULT="console=tty1 console=ttyS0"\n', dropIn], '$GRUB_CMDLINE_LINUX_DEFAULT')).toBe('console=tty1 console=ttyS0 init_on_alloc=1 slab_nomerge page_alloc.shuffle=1');
    // A later plan keeps what ours already holds.
    const again = grubLoader.plan({ ...files, [GRUB_DROP_IN]: dropIn }, parseCmdline('vsyscall=none'));
    expect(sourced([again.files[0]!.after], '$GRUB_CMDLINE_LINUX_DEFAULT', 'GRUB_CMDLINE_LINUX_DEFAULT=quiet')).toBe('quiet init_on_alloc=1 slab_nomerge page_alloc.shuffle=1 vsyscall=none');
    expect(() => grubLoader.plan({ ...files, [GRUB_DROP_IN]: 'GRUB_TIMEOUT=0\n' }, add)).toThrow(/changed by hand/);
  });
});

describe('Alpine: update-extlinux', () => {
  const files = { [ALPINE_SOURCE]: fx('alpine-update-extlinux.conf'), [ALPINE_EXTLINUX]: fx('alpine-boot-extlinux.conf') };
  it('reads the next boot from the generated file (the label the menu marks), and changes the source', () => {
    expect(alpineLoader.nextBoot(files)).toEqual({ ok: true, cmdline: 'root=UUID=8b2e4c1a-7d3f-4e2b-9a6c-5f1d2e3c4b5a modules=sd-mod,usb-storage,ext4 quiet' });
    const plan = alpineLoader.plan(files, add);
    expect(plan.commands).toEqual([['update-extlinux']]);
    const after = plan.files[0]!.after;
    expect(kernelOpts(after)?.value).toBe('quiet init_on_alloc=1 slab_nomerge page_alloc.shuffle=1');
    expect(sourced([after], '$default_kernel_opts|$modules')).toBe('quiet init_on_alloc=1 slab_nomerge page_alloc.shuffle=1|sd-mod,usb-storage,ext4');
    expect(after.split('\n').length).toBe(files[ALPINE_SOURCE].split('\n').length);
    // As setup-disk writes it, quoted; and one that expands shell text is left alone.
    expect(kernelOpts(alpineLoader.plan({ ...files, [ALPINE_SOURCE]: 'default_kernel_opts="quiet rootfstype=ext4"\n' }, add).files[0]!.after)?.value).toBe('quiet rootfstype=ext4 init_on_alloc=1 slab_nomerge page_alloc.shuffle=1');
    expect(() => alpineLoader.plan({ ...files, [ALPINE_SOURCE]: 'default_kernel_opts="$EXTRA quiet"\n' }, add)).toThrow(/shell expansion/);
  });
});

describe('which boot loader', () => {
  it('from the files that exist', () => {
    expect(detectBootLoader({ [ALPINE_SOURCE]: true, [ALPINE_EXTLINUX]: true })?.kind).toBe('alpine-extlinux');
    expect(detectBootLoader({ [GRUB_CFG]: true })?.kind).toBe('grub');
    expect(detectBootLoader({ [LAB_EXTLINUX]: true })?.kind).toBe('extlinux');
    expect(detectBootLoader({})).toBeNull();
  });
});
