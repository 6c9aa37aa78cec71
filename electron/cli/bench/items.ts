import type { Core } from '../../core/api/core';
import { dispatch } from '../../core/api/dispatch';
import { createCore } from '../../core/api/core';
import type { HypervisorDriver } from '../../core/hypervisor/types';
import { DISK_NODE } from '../../core/hypervisor/qemu/args';
import { withQmp } from '../../core/hypervisor/qemu/qmp-client';
import { loadLive } from '../../core/hypervisor/qemu/snapshot-ops';
import { readInstance } from '../../core/lab/instance-store';
import type { LabProfileInfo } from '../../core/lab/index';
import { labSshOptions, sshBinary } from '../../core/lab/ready';
import { run } from '../../core/proc';
import { lockoutStep } from '../../core/steps/ssh/lockout';
import { ALL_STEPS } from '../../core/steps/registry';

export interface BenchContext {
  core: Core;
  lab: LabProfileInfo;
  driver: HypervisorDriver;
  log: (line: string) => void;
  baselineId: string;
}

export interface Sample {
  ms: number;
  note?: string;
}

export interface BenchItem {
  id: string;
  title: string;
  oursWhat: string;
  peerWhat?: string;
  runs: number;
  /** Puts what the item needs into the VM before the baseline snapshot (packages, for instance). */
  prepareVm?(ctx: BenchContext): Promise<void>;
  ours(ctx: BenchContext): Promise<Sample>;
  peer?(ctx: BenchContext): Promise<Sample>;
}

export async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

/** One OpenSSH `ssh host cmd`, checked against the lab's recorded host key. */
export async function openSsh(ctx: BenchContext, remote: string, user = ctx.lab.user, timeoutMs = 120_000) {
  return run(sshBinary(), [...labSshOptions({ name: ctx.lab.name, keyPath: ctx.lab.keyPath, port: ctx.lab.port }, ctx.lab.knownHostsFile), `${user}@${ctx.lab.host}`, '--', remote], { timeoutMs });
}

async function profile(ctx: BenchContext) {
  return ctx.core.services.profiles.get('lab');
}

const COMMANDS = 50;

export const remoteCommands: BenchItem = {
  id: 'remote-commands',
  title: `${COMMANDS} small commands on the VM`,
  oursWhat: `connect once, then ${COMMANDS} commands over the same SSH connection (Harden Lab's SSH layer)`,
  peerWhat: `${COMMANDS} separate OpenSSH \`ssh host cmd\` runs`,
  runs: 3,
  async ours(ctx) {
    const p = await profile(ctx);
    ctx.core.services.connections.forget('lab');
    const ms = await timed(async () => {
      const conn = await ctx.core.services.connections.get(p);
      for (let i = 0; i < COMMANDS; i++) {
        const r = await conn.exec(['cat', '/proc/loadavg']);
        if (r.code !== 0) throw new Error(`command ${i} failed: ${r.stderr}`);
      }
    });
    return { ms };
  },
  async peer(ctx) {
    const ms = await timed(async () => {
      for (let i = 0; i < COMMANDS; i++) {
        const r = await openSsh(ctx, 'cat /proc/loadavg');
        if (r.code !== 0) throw new Error(`ssh run ${i} failed: ${r.stderr}`);
      }
    });
    return { ms };
  },
};

const MARKER = '/var/tmp/hardenlab-bench-marker';

export const revert: BenchItem = {
  id: 'revert',
  title: 'Revert to a snapshot',
  oursWhat: 'one-click revert: restore the snapshot, wait for SSH, prove the marker file written after it is gone',
  peerWhat: 'the raw QMP snapshot-load (no SSH, no proof)',
  runs: 3,
  async ours(ctx) {
    const p = await profile(ctx);
    const conn = await ctx.core.services.connections.get(p);
    await conn.exec(['touch', MARKER], { elevate: true });
    const ms = await timed(async () => {
      const env = await dispatch(ctx.core.handlers, 'snapshots.restore', { profile: 'lab', snapshot: ctx.baselineId }, { door: 'cli', events: ctx.core.services.events });
      if (!env.ok) throw new Error(env.error.message);
      const after = await ctx.core.services.connections.get(p);
      const r = await after.exec(['test', '-e', MARKER]);
      if (r.code === 0) throw new Error('the marker survived the revert');
    });
    return { ms };
  },
  async peer(ctx) {
    const rec = await readInstance('lab', ctx.core.services.home);
    if (!rec?.qmpSocket) throw new Error('The lab VM has no QMP socket.');
    const p = await profile(ctx);
    await (await ctx.core.services.connections.get(p)).exec(['touch', MARKER], { elevate: true });
    ctx.core.services.connections.forget('lab');
    const ms = await timed(() =>
      withQmp(rec.qmpSocket!, async (q) => {
        await loadLive(q, ctx.baselineId, DISK_NODE);
        await q.execute('cont').catch(() => undefined);
      }),
    );
    return { ms };
  },
};

export const lockoutRecovery: BenchItem = {
  id: 'lockout-recovery',
  title: 'Recover from a change that locks you out',
  oursWhat: 'apply "AllowUsers nobody" through the engine: snapshot, apply, the fresh login fails, automatic restore, reconnect, proof the VM is as before',
  peerWhat: 'by hand, best case: the same edit and reload over SSH, notice with a fresh ssh login, raw QMP snapshot-load, poll ssh until it gets in',
  runs: 2,
  async ours(ctx) {
    const core = createCore({ door: 'cli', home: ctx.core.services.home, prompter: async () => 'cancel', steps: [...ALL_STEPS, lockoutStep] });
    try {
      const plan = await core.services.engine.plan('lab', 'ssh-lockout', {});
      const t0 = performance.now();
      const r = await core.services.engine.apply('lab', plan.id, { confirmWarnings: true });
      const ms = performance.now() - t0;
      if (r.outcome !== 'reverted') throw new Error(`expected an automatic revert, got ${r.outcome}`);
      return { ms, note: `ours includes the pre-change snapshot (${Math.round(r.phases.find((p) => p.phase === 'snapshot')?.durationMs ?? 0)} ms in the last run)` };
    } finally {
      await core.dispose();
    }
  },
  async peer(ctx) {
    const rec = await readInstance('lab', ctx.core.services.home);
    const p = await profile(ctx);
    const conn = await ctx.core.services.connections.get(p);
    const t0 = performance.now();
    await conn.exec(['sh', '-c', "printf 'AllowUsers nobody\\n' > /etc/ssh/sshd_config.d/00-lock.conf && systemctl reload ssh"], { elevate: true });
    const probe = await openSsh(ctx, 'true', ctx.lab.user, 60_000);
    if (probe.code === 0) throw new Error('the locking change did not lock out');
    ctx.core.services.connections.forget('lab');
    await withQmp(rec!.qmpSocket!, async (q) => {
      await loadLive(q, ctx.baselineId, DISK_NODE);
      await q.execute('cont').catch(() => undefined);
    });
    for (;;) {
      const r = await openSsh(ctx, 'true', ctx.lab.user, 30_000);
      if (r.code === 0) break;
      if (performance.now() - t0 > 300_000) throw new Error('ssh did not come back within 5 minutes');
      await new Promise((res) => setTimeout(res, 500));
    }
    return { ms: performance.now() - t0 };
  },
};

export const BENCH_ITEMS: BenchItem[] = [remoteCommands, revert, lockoutRecovery];
