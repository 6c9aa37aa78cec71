import { existsSync } from 'node:fs';
import type { ToolCheck } from '../../shared/domain';
import { run, which } from './proc';

/**
 * What this machine can do, and what to install for what it cannot. Each
 * check runs the real program (a version query), never guesses from paths.
 */
interface ToolSpec {
  name: string;
  cmd: string;
  args: string[];
  required: boolean;
  why: string;
  install: string;
  extraDirs?: string[];
  parse?: (out: string) => string | undefined;
}

const firstLine = (out: string) => out.split('\n').find((l) => l.trim() !== '')?.trim();

const VBOX_DIRS = ['/usr/lib/virtualbox', '/Applications/VirtualBox.app/Contents/MacOS', 'C:\\Program Files\\Oracle\\VirtualBox'];

export const TOOL_SPECS: ToolSpec[] = [
  { name: 'qemu-system-x86_64', cmd: 'qemu-system-x86_64', args: ['--version'], required: false, why: 'runs the disposable lab VM', install: 'apt-get install qemu-system-x86 qemu-utils' },
  { name: 'qemu-img', cmd: 'qemu-img', args: ['--version'], required: false, why: 'creates lab VM disks', install: 'apt-get install qemu-utils' },
  { name: 'debootstrap', cmd: 'debootstrap', args: ['--version'], required: false, why: 'builds the lab VM image from Debian packages', install: 'apt-get install debootstrap', extraDirs: ['/usr/sbin'] },
  { name: 'extlinux', cmd: 'extlinux', args: ['--version'], required: false, why: 'installs the lab VM boot loader', install: 'apt-get install extlinux syslinux-common', extraDirs: ['/usr/bin', '/sbin'] },
  { name: 'VBoxManage', cmd: 'VBoxManage', args: ['--version'], required: false, why: 'drives VirtualBox VMs', install: 'install VirtualBox from virtualbox.org (VBoxManage comes with it)', extraDirs: VBOX_DIRS },
  { name: 'ssh', cmd: 'ssh', args: ['-V'], required: false, why: 'OpenSSH client, used by benchmarks and for your own checks', install: 'apt-get install openssh-client' },
  { name: 'chromium', cmd: 'chromium', args: ['--version'], required: false, why: 'runs the end-to-end tests and browser mode', install: 'apt-get install chromium' },
  { name: 'ansible-playbook', cmd: 'ansible-playbook', args: ['--version'], required: false, why: 'runs exported playbooks, the fleet rollout (hardenlab fleet) and the benchmark peer', install: 'apt-get install ansible' },
  { name: 'ansible-lint', cmd: 'ansible-lint', args: ['--version'], required: false, why: 'checks exported playbooks the way Ansible users do', install: 'apt-get install ansible-lint' },
];

export async function checkTool(spec: ToolSpec): Promise<ToolCheck> {
  const path = which(spec.cmd, spec.extraDirs ?? []);
  if (!path) return { name: spec.name, found: false, required: spec.required, detail: `not found; ${spec.why}`, install: spec.install };
  try {
    const r = await run(path, spec.args, { timeoutMs: 10_000 });
    const version = (spec.parse ?? firstLine)(r.stdout + '\n' + r.stderr);
    return { name: spec.name, found: true, path, required: spec.required, detail: spec.why, ...(version ? { version } : {}) };
  } catch (e) {
    return { name: spec.name, found: false, path, required: spec.required, detail: `found but failed to run: ${(e as Error).message}`, install: spec.install };
  }
}

export function checkNode(version: string = process.versions.node): ToolCheck {
  const [maj = 0, min = 0] = version.split('.').map(Number);
  const ok = maj > 22 || (maj === 22 && min >= 13);
  return {
    name: 'node',
    found: true,
    version: `v${version}`,
    path: process.execPath,
    required: true,
    detail: ok ? 'meets the engines field (>= 22.13)' : 'older than 22.13: run through npm scripts/npx so node_modules/.bin/node (Node 22) is used',
    ...(ok ? {} : { install: 'npm ci (brings Node 22 from the npm registry into node_modules/.bin)' }),
  };
}

/**
 * KVM is usable only if a VM actually starts under it: /dev/kvm can exist
 * while every guest dies with "KVM internal error" (seen on these machines).
 * So start the BIOS for two seconds: a working KVM is still running when the
 * timer fires; a broken one has already exited with an error.
 */
export async function probeKvm(qemu: string | null = which('qemu-system-x86_64')): Promise<{ usable: boolean; detail: string }> {
  if (!existsSync('/dev/kvm')) return { usable: false, detail: '/dev/kvm does not exist: the lab VM runs under TCG (software emulation), slower but complete.' };
  if (!qemu) return { usable: false, detail: '/dev/kvm exists but qemu-system-x86_64 is not installed to try it.' };
  const r = await run(qemu, ['-accel', 'kvm', '-nodefaults', '-display', 'none', '-m', '64', '-no-reboot'], { timeoutMs: 2500 });
  if (r.timedOut) return { usable: true, detail: 'a test VM ran under KVM.' };
  const why = firstLine(r.stderr) ?? `exit ${r.code}`;
  return { usable: false, detail: `KVM is present but a test VM failed under it (${why}): the lab VM falls back to TCG.` };
}

export async function runDoctor(): Promise<{ tools: ToolCheck[]; kvm: { usable: boolean; detail: string } }> {
  const tools = [checkNode(), ...(await Promise.all(TOOL_SPECS.map(checkTool)))];
  const qemu = tools.find((t) => t.name === 'qemu-system-x86_64');
  const kvm = await probeKvm(qemu?.found ? (qemu.path ?? null) : null);
  return { tools, kvm };
}
