import { inject } from 'vitest';
import { shellJoin } from '../../../shared/quote';
import { HardenLabError } from '../errors';
import { run, type RunResult } from '../proc';
import { createQemuDriver } from '../hypervisor/qemu/driver';
import type { HypervisorDriver } from '../hypervisor/types';
import type { LabProfileInfo } from './index';
import { labSshOptions, sshBinary } from '../hypervisor/qemu/instance/ready';

/**
 * What integration tests get from the lab VM that test-global-setup.ts
 * booted: its profile, the Harden Lab home it lives in, and helpers to reach
 * it. For now commands go through the system OpenSSH client, checked against
 * the recorded host key; the SSH layer's own connection can replace it.
 */
export interface LabTestInfo {
  home: string;
  info: LabProfileInfo;
  /** Seconds the global setup spent (image build, instance creation, boot). */
  setupSeconds: number;
}

declare module 'vitest' {
  export interface ProvidedContext {
    hardenlabLab: LabTestInfo | null;
    hardenlabLabSkipReason: string;
  }
}

/** The running lab VM; throws with the reason when the setup did not boot one. */
export function labTestContext(): LabTestInfo {
  const lab = inject('hardenlabLab');
  if (!lab) {
    throw new HardenLabError('NOT_CONNECTED', `The lab VM is not available to this test run: ${inject('hardenlabLabSkipReason') || 'the global setup did not boot it'}.`, {
      hint: 'Run the integration lane as root with QEMU installed (the image build needs root), and without HARDENLAB_LAB=off.',
    });
  }
  // Core code resolves the home at call time: point it at the test home in this worker too.
  process.env.HARDENLAB_HOME = lab.home;
  return lab;
}

/** Whether the lab VM is up, for `describe.runIf(labAvailable())`. */
export function labAvailable(): boolean {
  return inject('hardenlabLab') !== null;
}

export interface LabExecOptions {
  input?: string;
  timeoutMs?: number;
  user?: string;
}

/**
 * Runs a command in the lab VM over a fresh OpenSSH connection (about a
 * second under TCG). An argv array is quoted with shared/quote; a string is
 * passed to the remote shell as is (for pipelines written by the test).
 */
export async function labExec(command: readonly string[] | string, opts: LabExecOptions = {}): Promise<RunResult> {
  const { info } = labTestContext();
  const remote = typeof command === 'string' ? command : shellJoin(command);
  const args = [...labSshOptions({ name: info.name, keyPath: info.keyPath, port: info.port }, info.knownHostsFile), `${opts.user ?? info.user}@${info.host}`, '--', remote];
  return run(sshBinary(), args, { timeoutMs: opts.timeoutMs ?? 120_000, ...(opts.input !== undefined ? { input: opts.input } : {}) });
}

/** Like labExec, but fails the test with the command's output unless it exits 0; returns stdout. */
export async function labExecOk(command: readonly string[] | string, opts: LabExecOptions = {}): Promise<string> {
  const r = await labExec(command, opts);
  if (r.code !== 0) throw new Error(`Command failed in the lab VM (exit ${r.code ?? r.signal}): ${typeof command === 'string' ? command : shellJoin(command)}\n${r.stderr}${r.stdout}`);
  return r.stdout;
}

/** The QEMU driver pointed at the test home. */
export function labDriver(): HypervisorDriver {
  const { home } = labTestContext();
  return createQemuDriver({ home: () => home });
}
