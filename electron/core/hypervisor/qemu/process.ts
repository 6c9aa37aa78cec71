import { spawn } from 'node:child_process';
import { constants } from 'node:fs';
import { access, readFile } from 'node:fs/promises';
import { HardenLabError } from '../../errors';
import { run, which } from '../../proc';
import { judgeKvmProbe, type KvmDevice, type ProbeResult } from './accel';
import { encodeQmpCommand, QmpLineParser } from './qmp-parse';

/**
 * The QEMU process: finding the binary, probing KVM, launching a daemonized
 * VM, and telling whether a pid still is that VM.
 */
export const QEMU_BINARY = 'qemu-system-x86_64';
const QEMU_DIRS = ['/usr/bin', '/usr/local/bin', '/opt/homebrew/bin', '/usr/libexec'];

export function qemuInstallHint(): string {
  return 'Install QEMU: on Debian or Ubuntu `apt-get install qemu-system-x86 qemu-utils`; on macOS `brew install qemu`.';
}

export function locateQemu(): string | null {
  return which(QEMU_BINARY, QEMU_DIRS);
}

export function requireQemu(): string {
  const p = locateQemu();
  if (!p) throw new HardenLabError('DRIVER_MISSING', `${QEMU_BINARY} is not installed, so the lab VM cannot run.`, { hint: qemuInstallHint() });
  return p;
}

export function requireQemuImg(): string {
  const p = which('qemu-img', QEMU_DIRS);
  if (!p) throw new HardenLabError('DRIVER_MISSING', 'qemu-img is not installed, so lab disks and offline snapshots cannot be handled.', { hint: qemuInstallHint() });
  return p;
}

/** "QEMU emulator version 7.2.22 (Debian 1:7.2+dfsg-7+deb12u18+b3)" -> "7.2.22" */
export function parseQemuVersion(out: string): string | null {
  const m = /version\s+(\d+\.\d+(?:\.\d+)?)/i.exec(out);
  return m ? m[1]! : null;
}

export async function qemuVersion(binary: string): Promise<string | null> {
  const r = await run(binary, ['--version'], { timeoutMs: 15_000 });
  return r.code === 0 ? parseQemuVersion(r.stdout) : null;
}

export async function kvmDeviceState(path = '/dev/kvm'): Promise<KvmDevice> {
  try {
    await access(path, constants.F_OK);
  } catch {
    return 'absent';
  }
  try {
    await access(path, constants.R_OK | constants.W_OK);
    return 'present';
  } catch {
    return 'no-access';
  }
}

/**
 * Runs firmware under KVM for a moment and asks QEMU how the guest is doing.
 * No disk: SeaBIOS runs its POST and looks for a boot device, enough guest
 * code to hit the "emulation failure" seen on nested hosts.
 */
export function probeKvm(binary: string, settleMs = 1500, timeoutMs = 15_000): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const child = spawn(binary, ['-nodefaults', '-no-user-config', '-machine', 'q35', '-accel', 'kvm', '-cpu', 'host', '-m', '64', '-display', 'none', '-qmp', 'stdio'], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const parser = new QmpLineParser();
    let stderr = '';
    let done = false;
    let status: string | undefined;
    const finish = (r: ProbeResult) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      clearTimeout(settle);
      try {
        child.kill('SIGKILL');
      } catch {
        /* gone */
      }
      resolve(r);
    };
    const timer = setTimeout(() => finish(judgeKvmProbe({ exited: false, status: status ?? 'no answer', stderr })), timeoutMs);
    let settle: NodeJS.Timeout | undefined;
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (c: string) => (stderr += c));
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (c: string) => {
      for (const m of parser.push(c)) {
        if (m.kind === 'greeting') {
          child.stdin.write(encodeQmpCommand('qmp_capabilities', undefined, 'cap'));
          settle = setTimeout(() => child.stdin.write(encodeQmpCommand('query-status', undefined, 'status')), settleMs);
        } else if (m.kind === 'return' && m.id === 'status') {
          const v = m.value as { status?: unknown };
          status = typeof v?.status === 'string' ? v.status : 'unknown';
          // Give QEMU a moment to print why (it does so on stderr).
          setTimeout(() => finish(judgeKvmProbe({ exited: false, status, stderr })), status === 'running' ? 0 : 200);
        }
      }
    });
    child.stdin.on('error', () => {});
    child.on('error', (e) => finish({ ok: false, detail: e.message }));
    child.on('exit', (code) => {
      setTimeout(() => finish(judgeKvmProbe({ exited: true, exitCode: code, stderr })), 100);
    });
  });
}

export interface LaunchResult {
  ok: boolean;
  stderr: string;
  code: number | null;
}

/**
 * Starts QEMU with -daemonize: the command returns once the VM is set up
 * (devices created, port forward bound, monitor listening) and its pid file
 * written; errors up to that point come back on stderr with a non-zero exit.
 */
export async function launchDaemonized(binary: string, argv: string[], timeoutMs = 120_000): Promise<LaunchResult> {
  const r = await run(binary, argv, { timeoutMs });
  return { ok: r.code === 0, stderr: r.stderr.trim(), code: r.code };
}

/** The forward could not bind: another program took the port between our check and QEMU's bind. */
export function isPortConflict(stderr: string): boolean {
  return /Could not set up host forwarding rule|hostfwd|Address already in use/i.test(stderr);
}

export async function readPidFile(path: string): Promise<number | null> {
  try {
    const n = Number.parseInt((await readFile(path, 'utf8')).trim(), 10);
    return Number.isInteger(n) && n > 0 ? n : null;
  } catch {
    return null;
  }
}

/** Whether a /proc/<pid>/cmdline (NUL separated) is a QEMU running this disk. */
export function cmdlineIsVm(cmdline: string, disk: string): boolean {
  const args = cmdline.split('\0');
  if (!args.some((a) => /qemu-system/.test(a))) return false;
  const escaped = JSON.stringify(disk).slice(1, -1);
  return args.some((a) => a.includes(`"filename":"${escaped}"`) || a.includes(disk));
}

/** A pid is our VM only while it lives and still runs QEMU on our disk (pids get reused). */
export async function vmProcessAlive(pid: number | null | undefined, disk: string): Promise<boolean> {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  if (process.platform !== 'linux') return true;
  try {
    return cmdlineIsVm(await readFile(`/proc/${pid}/cmdline`, 'utf8'), disk);
  } catch {
    return false;
  }
}

export async function waitForExit(pid: number, disk: string, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!(await vmProcessAlive(pid, disk))) return true;
    await new Promise((r) => setTimeout(r, 200));
  }
  return !(await vmProcessAlive(pid, disk));
}

export function signalPid(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    /* already gone */
  }
}
