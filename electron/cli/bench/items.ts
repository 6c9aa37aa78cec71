import type { Core } from '../../core/api/core';
import { dispatch } from '../../core/api/dispatch';
import { createCore } from '../../core/api/core';
import type { HypervisorDriver } from '../../core/hypervisor/types';
import { DISK_NODE } from '../../core/hypervisor/qemu/args';
import { withQmp } from '../../core/hypervisor/qemu/qmp-client';
import { loadLive } from '../../core/hypervisor/qemu/snapshot-ops';
import { readInstance } from '../../core/hypervisor/qemu/instance/instance-store';
import type { LabProfileInfo } from '../../core/lab/index';
import { labSshOptions, sshBinary } from '../../core/hypervisor/qemu/instance/ready';
import { run } from '../../core/proc';
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
  /** Fewer runs of the peer than of ours, when one peer run takes a very long time (Lynis under TCG). */
  peerRuns?: number;
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

/** Connects afresh and runs the commands; the connect is part of the time. */
async function fiftyCommands(ctx: BenchContext, runner: boolean): Promise<number> {
  const p = await profile(ctx);
  ctx.core.services.connections.forget('lab');
  const saved = process.env.HARDENLAB_SSH_RUNNER;
  if (!runner) process.env.HARDENLAB_SSH_RUNNER = '0';
  try {
    return await timed(async () => {
      const conn = await ctx.core.services.connections.get(p);
      if (conn.channelStats.runner === 'off' && runner) throw new Error(`the command runner is off: ${conn.runnerOffReason}`);
      for (let i = 0; i < COMMANDS; i++) {
        const r = await conn.exec(['cat', '/proc/loadavg']);
        if (r.code !== 0) throw new Error(`command ${i} failed: ${r.stderr}`);
      }
    });
  } finally {
    if (saved === undefined) delete process.env.HARDENLAB_SSH_RUNNER;
    else process.env.HARDENLAB_SSH_RUNNER = saved;
    ctx.core.services.connections.forget('lab');
  }
}

export const remoteCommands: BenchItem = {
  id: 'remote-commands',
  title: `${COMMANDS} small commands on the VM`,
  oursWhat: `connect once, then ${COMMANDS} commands one after another over the same SSH connection (Harden Lab's SSH layer: short commands without stdin go through its command runner, one long-lived sh on one channel)`,
  peerWhat: `${COMMANDS} separate OpenSSH \`ssh host cmd\` runs, one after another`,
  runs: 3,
  async ours(ctx) {
    const ms = await fiftyCommands(ctx, true);
    // For the record: the same layer with a channel (a new sshd session) per command.
    const channels = await fiftyCommands(ctx, false);
    return { ms, note: `with a channel per command instead of the runner (HARDENLAB_SSH_RUNNER=0): ${(channels / 1000).toFixed(2)} s in the last run` };
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
  peerWhat: 'the raw QMP snapshot-load, then one OpenSSH login (`ssh host true`, retried until it gets in): the least a hand revert needs to be usable',
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
    let loadMs = 0;
    let tries = 0;
    const ms = await timed(async () => {
      loadMs = await timed(() =>
        withQmp(rec.qmpSocket!, async (q) => {
          await loadLive(q, ctx.baselineId, DISK_NODE);
          await q.execute('cont').catch(() => undefined);
        }),
      );
      for (;;) {
        tries++;
        const r = await openSsh(ctx, 'true', ctx.lab.user, 30_000);
        if (r.code === 0) break;
        if (tries > 60) throw new Error(`ssh did not get in after the load: ${r.stderr}`);
      }
    });
    return { ms, note: `QMP load ${(loadMs / 1000).toFixed(2)} s + OpenSSH login ${((ms - loadMs) / 1000).toFixed(2)} s (${tries} tr${tries === 1 ? 'y' : 'ies'})` };
  },
};

export const lockoutRecovery: BenchItem = {
  id: 'lockout-recovery',
  title: 'Recover from a change that locks you out',
  oursWhat: 'apply "AllowUsers nobody" through the engine: snapshot, apply, the fresh login fails, automatic restore, reconnect, proof the VM is as before',
  peerWhat: 'by hand, best case: the same edit and reload over SSH, notice with a fresh ssh login, raw QMP snapshot-load, poll ssh until it gets in',
  runs: 2,
  async ours(ctx) {
    const core = createCore({ door: 'cli', home: ctx.core.services.home, prompter: async () => 'cancel', steps: ALL_STEPS });
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

/** Installs what the peers need in the VM (python3 for Ansible, lynis), once, before the baseline snapshot. */
async function ensurePackages(ctx: BenchContext, packages: string[]): Promise<void> {
  const p = await profile(ctx);
  const conn = await ctx.core.services.connections.get(p);
  const missing: string[] = [];
  for (const pkg of packages) {
    const r = await conn.exec(['dpkg-query', '-W', '-f', '${Status}', pkg]);
    if (!/install ok installed/.test(r.stdout)) missing.push(pkg);
  }
  if (missing.length === 0) return;
  ctx.log(`[bench] installing ${missing.join(', ')} in the lab VM for the peers (once)`);
  const env = ['env', 'DEBIAN_FRONTEND=noninteractive'];
  for (const argv of [[...env, 'apt-get', 'update', '-q'], [...env, 'apt-get', 'install', '-y', '-q', '--no-install-recommends', ...missing]]) {
    const r = await conn.exec(argv, { elevate: true, timeoutMs: 20 * 60_000 });
    if (r.code !== 0) throw new Error(`${argv.join(' ')} failed in the lab VM: ${r.stderr.slice(-500)}`);
  }
}

const PREVIEW_STEPS = ['ssh', 'sysctl', 'modules'];

function peerPlaybook(): string {
  const sshd = [
    ['PermitRootLogin', 'no'],
    ['PasswordAuthentication', 'no'],
    ['KbdInteractiveAuthentication', 'no'],
    ['PermitEmptyPasswords', 'no'],
    ['PubkeyAuthentication', 'yes'],
  ];
  const sysctls = [
    ['kernel.kptr_restrict', '2'],
    ['kernel.dmesg_restrict', '1'],
    ['kernel.unprivileged_bpf_disabled', '1'],
    ['net.core.bpf_jit_harden', '2'],
    ['kernel.yama.ptrace_scope', '2'],
    ['fs.suid_dumpable', '0'],
  ];
  const modules = ['cramfs', 'freevxfs', 'jffs2', 'hfs', 'hfsplus', 'squashfs', 'udf', 'usb-storage', 'dccp', 'sctp', 'rds', 'tipc'];
  return [
    '- hosts: lab',
    '  become: true',
    '  gather_facts: false',
    '  tasks:',
    ...sshd.map(([k, v]) => `    - ansible.builtin.lineinfile:\n        path: /etc/ssh/sshd_config\n        regexp: "^#?${k} "\n        line: "${k} ${v}"\n        validate: "/usr/sbin/sshd -t -f %s"`),
    ...sysctls.map(([k, v]) => `    - ansible.posix.sysctl:\n        name: "${k}"\n        value: "${v}"\n        sysctl_file: /etc/sysctl.d/90-hardening.conf\n        reload: true`),
    `    - ansible.builtin.copy:\n        dest: /etc/modprobe.d/hardening.conf\n        content: |\n${modules.map((m) => `          install ${m} /bin/false\n          blacklist ${m}`).join('\n')}\n`,
    '',
  ].join('\n');
}

export const preview: BenchItem = {
  id: 'preview',
  title: 'Preview SSH + sysctl + modules changes',
  oursWhat: `plans of the ${PREVIEW_STEPS.join(', ')} steps (probe, plan, diffs) over one connection`,
  peerWhat: 'ansible-playbook --check --diff of the same changes with lineinfile, ansible.posix.sysctl and copy',
  runs: 3,
  async prepareVm(ctx) {
    await ensurePackages(ctx, ['python3']);
  },
  async ours(ctx) {
    ctx.core.services.connections.forget('lab');
    const ms = await timed(async () => {
      for (const step of PREVIEW_STEPS) await ctx.core.services.engine.plan('lab', step, {});
    });
    return { ms };
  },
  async peer(ctx) {
    const { mkdtemp, writeFile } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const dir = await mkdtemp(join(tmpdir(), 'hl-bench-ansible-'));
    await writeFile(join(dir, 'play.yml'), peerPlaybook());
    const ssh = labSshOptions({ name: ctx.lab.name, keyPath: ctx.lab.keyPath, port: ctx.lab.port }, ctx.lab.knownHostsFile).filter((a) => a !== '-F' && a !== 'none');
    await writeFile(join(dir, 'inv.ini'), `lab ansible_host=${ctx.lab.host} ansible_port=${ctx.lab.port} ansible_user=${ctx.lab.user} ansible_python_interpreter=/usr/bin/python3 ansible_ssh_common_args='${ssh.join(' ')}'\n`);
    let out = '';
    const ms = await timed(async () => {
      const r = await run('ansible-playbook', ['-i', join(dir, 'inv.ini'), join(dir, 'play.yml'), '--check', '--diff'], { timeoutMs: 15 * 60_000, env: { ...process.env, ANSIBLE_HOST_KEY_CHECKING: 'True', ANSIBLE_NOCOLOR: '1' } });
      out = r.stdout + r.stderr;
      if (r.code !== 0) throw new Error(`ansible-playbook failed: ${out.slice(-800)}`);
    });
    return { ms, note: /changed=(\d+)/.exec(out) ? `ansible reported changed=${/changed=(\d+)/.exec(out)![1]} in check mode` : '' };
  },
};

/** Lynis needs ~20 min under TCG on a loaded machine (measured here); give it room. */
const LYNIS_DEADLINE_MIN = 45;

export const audit: BenchItem = {
  id: 'audit',
  title: 'Full audit of the VM',
  oursWhat: 'the audit of every step (probes over one connection)',
  peerWhat: 'lynis audit system --quick, until it prints its hardening index',
  runs: 2,
  // One Lynis run takes about 20 minutes on the TCG lab VM of a busy 2-core machine.
  peerRuns: 1,
  async prepareVm(ctx) {
    await ensurePackages(ctx, ['lynis']);
  },
  async ours(ctx) {
    ctx.core.services.connections.forget('lab');
    let score = '';
    const ms = await timed(async () => {
      const r = await ctx.core.services.engine.audit('lab');
      score = `our audit: ${r.score.passed}/${r.score.total} checks pass`;
    });
    return { ms, note: score };
  },
  async peer(ctx) {
    // Lynis keeps running for minutes after printing its index (seen here); the index is the answer people wait for.
    const { spawn } = await import('node:child_process');
    const args = [...labSshOptions({ name: ctx.lab.name, keyPath: ctx.lab.keyPath, port: ctx.lab.port }, ctx.lab.knownHostsFile), `${ctx.lab.user}@${ctx.lab.host}`, '--', 'sudo -n lynis audit system --quick --no-colors'];
    const t0 = performance.now();
    const index = await new Promise<string>((resolve, reject) => {
      const child = spawn(sshBinary(), args, { stdio: ['ignore', 'pipe', 'pipe'] });
      let buf = '';
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`lynis printed no hardening index within ${LYNIS_DEADLINE_MIN} minutes`));
      }, LYNIS_DEADLINE_MIN * 60_000);
      child.stdout.on('data', (c: Buffer) => {
        buf += c.toString();
        const m = /Hardening index\s*:\s*(\d+)/.exec(buf);
        if (m) {
          clearTimeout(timer);
          child.kill('SIGKILL');
          resolve(m[1]!);
        }
      });
      child.on('exit', () => {
        clearTimeout(timer);
        const m = /Hardening index\s*:\s*(\d+)/.exec(buf);
        if (m) resolve(m[1]!);
        else reject(new Error(`lynis ended without a hardening index: ${buf.slice(-400)}`));
      });
    });
    return { ms: performance.now() - t0, note: `lynis hardening index ${index}` };
  },
};

// Lynis is the slowest peer by far (its apt-get update under TCG): last, so the others are in even if it times out.
const CLI_BIN = new URL('../hardenlab.mjs', import.meta.url).pathname;

/** One process start, timed from spawn to exit; needs no VM. */
async function startTime(args: string[]): Promise<Sample> {
  const ms = await timed(async () => {
    const r = await run(process.execPath, args, { timeoutMs: 60_000 });
    if (r.code !== 0) throw new Error(`${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  });
  return { ms };
}

export const cliStart: BenchItem = {
  id: 'cli-start',
  title: 'hardenlab --version vs bare node',
  oursWhat: '`hardenlab --version` (the prebuilt CLI in .vite/cli, rebuilt when stale; nothing of the core loaded)',
  peerWhat: '`node -e 0`, the floor any Node CLI starts from',
  runs: 10,
  async ours() {
    return startTime([CLI_BIN, '--version']);
  },
  async peer() {
    return startTime(['-e', '0']);
  },
};

export const cliExec: BenchItem = {
  id: 'cli-exec',
  title: 'One command from a cold start',
  oursWhat: '`hardenlab exec --profile lab -- sudo -n true`: a new process, the prebuilt CLI, one SSH login with the recorded host key, one elevated command',
  peerWhat: 'OpenSSH `ssh host sudo -n true`, same key and host key',
  runs: 5,
  async ours() {
    return startTime([CLI_BIN, 'exec', '--profile', 'lab', '--', 'sudo', '-n', 'true']);
  },
  async peer(ctx) {
    const ms = await timed(async () => {
      const r = await openSsh(ctx, 'sudo -n true');
      if (r.code !== 0) throw new Error(`ssh exited ${r.code}: ${r.stderr}`);
    });
    return { ms };
  },
};

export const BENCH_ITEMS: BenchItem[] = [cliStart, cliExec, remoteCommands, revert, lockoutRecovery, preview, audit];
