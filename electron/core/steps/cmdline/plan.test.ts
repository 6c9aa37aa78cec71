import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LAB_EXTLINUX } from '../../distro/boot/extlinux';
import { GRUB_CFG, GRUB_DEFAULTS, GRUB_DROP_IN } from '../../distro/boot/grub';
import { extlinuxConf, KERNEL_CMDLINE } from '../../lab/image/guest-files';
import { parseKernelConfig } from '../lsm/kernel-config';
import { cmdlineOptions, cmdlineStep } from './step';
import { planCmdline, type CmdlineFacts } from './plan';

// The lab as it boots: Debian 12's cloud kernel (its config, recorded), the
// extlinux file the image build writes, and its command line.
const config = parseKernelConfig(readFileSync(join(__dirname, '..', 'lsm', 'fixtures', 'debian12-cloud-config-excerpt.txt'), 'utf8'));
const lab: CmdlineFacts = { running: KERNEL_CMDLINE, release: '6.1.0-50-cloud-amd64', arch: 'x86_64', config, loader: 'extlinux', files: { [LAB_EXTLINUX]: extlinuxConf() } };
const defaults = cmdlineOptions.parse({});

describe('cmdline: the plan on the lab', () => {
  it('adds what this kernel understands and does not already do, and says why the rest stays out', () => {
    const plan = planCmdline(lab, cmdlineOptions.parse({ optIn: ['ia32_emulation'] }));
    expect(plan.data!.decisions).toEqual([
      { id: 'init_on_alloc', status: 'default-on' },
      { id: 'init_on_free', status: 'add' },
      { id: 'slab_nomerge', status: 'add' },
      { id: 'page_alloc.shuffle', status: 'add' },
      { id: 'randomize_kstack_offset', status: 'default-on' },
      { id: 'vsyscall', status: 'default-on' },
      { id: 'debugfs', status: 'add' },
      { id: 'pti', status: 'add' },
      { id: 'hardened_usercopy', status: 'add' },
      { id: 'ia32_emulation', status: 'unsupported' },
    ]);
    expect(plan.rebootRequired).toBe(true);
    expect(plan.files).toHaveLength(1);
    expect(plan.files[0]!.after).toContain(`APPEND ${KERNEL_CMDLINE} init_on_free=1 slab_nomerge page_alloc.shuffle=1 debugfs=off pti=on hardened_usercopy=1\n`);
    expect(plan.warnings!.map((w) => w.message).join('\n')).toMatch(/ia32_emulation=0 \(needs Linux 6\.7 or newer/);
  });

  it('plans nothing once the next boot has them; after the reboot, the audit passes', () => {
    const plan = planCmdline(lab, defaults);
    const next: CmdlineFacts = { ...lab, files: { [LAB_EXTLINUX]: plan.files[0]!.after } };
    const again = planCmdline(next, defaults);
    expect(again.nothingToDo).toBe(true);
    // Written, not yet booted: the plan says so, and the audit still fails those options.
    expect(again.warnings!.map((w) => w.message).join('\n')).toMatch(/not yet in effect \(reboot\): init_on_free=1/);
    expect(cmdlineStep.audit(next).filter((c) => c.status === 'fail').map((c) => c.id)).toContain('cmdline.slab_nomerge');
    const booted: CmdlineFacts = { ...next, running: `${KERNEL_CMDLINE} init_on_free=1 slab_nomerge page_alloc.shuffle=1 debugfs=off pti=on hardened_usercopy=1` };
    expect(cmdlineStep.audit(booted).filter((c) => c.status !== 'pass')).toEqual([]);
  });

  it('keeps a stronger value that is there, and a value that switches a default off is not "on by default"', () => {
    const strong: CmdlineFacts = { ...lab, files: { [LAB_EXTLINUX]: extlinuxConf(`${KERNEL_CMDLINE} lockdown=confidentiality init_on_alloc=0`) } };
    const plan = planCmdline(strong, cmdlineOptions.parse({ optIn: ['lockdown'] }));
    expect(plan.data!.decisions.find((d) => d.id === 'lockdown')).toEqual({ id: 'lockdown', status: 'present' });
    expect(plan.data!.decisions.find((d) => d.id === 'init_on_alloc')).toEqual({ id: 'init_on_alloc', status: 'add' });
  });

  it('on GRUB: a drop-in and update-grub; a boot loader it does not know is refused with what to do', () => {
    const fx = (n: string) => readFileSync(join(__dirname, '..', '..', 'distro', 'boot', 'fixtures', n), 'utf8');
    const grub: CmdlineFacts = { ...lab, running: 'root=UUID=2c3c8d3e-4c1b-4d5e-9f0a-1b2c3d4e5f60 ro console=ttyS0,115200 quiet', loader: 'grub', files: { [GRUB_DEFAULTS]: fx('debian12-etc-default-grub'), [GRUB_DROP_IN]: null, [GRUB_CFG]: fx('debian12-grub.cfg-excerpt') } };
    const plan = planCmdline(grub, defaults);
    expect(plan.files.map((f) => f.path)).toEqual([GRUB_DROP_IN]);
    expect(plan.commands.map((c) => c.argv)).toEqual([['update-grub']]);
    expect(() => planCmdline({ ...lab, loader: null, files: {} }, defaults)).toThrow(/no boot loader Harden Lab knows/);
  });

  it('refuses unknown settings and opt-ins that are defaults', () => {
    expect(cmdlineOptions.safeParse({ settings: ['nokaslr'] }).success).toBe(false);
    expect(cmdlineOptions.safeParse({ optIn: ['slab_nomerge'] }).success).toBe(false);
    expect(cmdlineOptions.safeParse({ optIn: ['module.sig_enforce'] }).success).toBe(true);
  });
});
