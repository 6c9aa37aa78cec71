import { pinAfterClientSave, ProfileSchema, type Profile } from '../../../shared/profile';
import type { LabInfoShape, VmInfoShape } from '../../../shared/domain';
import { HYPERVISOR_KIND_NAMES, type HypervisorKind } from '../../../shared/hypervisor-kinds';
import { runDoctor } from '../doctor';
import { HardenLabError, toErrorInfo } from '../errors';
import { exportExperiment } from '../engine/report';
import { comparisonHtml, comparisonMarkdown } from '../engine/comparison-report';
import { compareTrials } from '../policies/compare';
import { describePolicy } from '../policies/resolve';
import { parsePolicyText, policyText } from '../policies/store';
import type { HypervisorDriver, ProgressFn } from '../hypervisor/types';
import { labDown, labUp, listLabs } from '../lab/index';
import { parsePinnedHostKey } from '../ssh/host-key-verifier';
import { sshCheck } from '../ssh/ssh-check';
import { isContainerModule } from '../steps/modules/catalog';
import { loadedModules } from '../steps/modules/step';
import { importSshConfig } from '../ssh/ssh-config-import';
import { rememberSupport } from '../secrets';
import { emitProgress, type ProgressLevel } from '../events';
import type { Handlers } from './dispatch';
import type { ParsedReq } from '../../../shared/contract';
import { DEFAULT_BATCHES, parseBatches } from '../fleet/batches';
import { DEFAULT_FLEET_DEADLINE_S } from '../fleet/export';
import { changesToRoll } from '../fleet/from-journal';
import { hostLine } from '../../../shared/fleet-text';
import { runFleet } from '../fleet/rollout';

type FleetRequest = ParsedReq<'fleet.plan'>;
import type { CoreServices } from './core';

/**
 * The implementation of every channel of the contract, shared by the three
 * doors. Requests arrive parsed (dispatch.ts); replies are validated on the
 * way out. Long operations take an opId: their progress goes out as events
 * and `op.cancel` aborts them where that is safe.
 */
export function createHandlers(s: CoreServices): Handlers {
  const progress = (opId: string | undefined, phase: string, message: string, percent?: number, level: ProgressLevel = 'info') =>
    emitProgress(s.events, opId, phase, message, { level, ...(percent !== undefined ? { percent } : {}) });
  const driverProgress = (opId: string | undefined): ProgressFn => (p) => progress(opId, p.phase, p.message, p.percent);

  const withOp = async <T>(opId: string | undefined, fn: (signal: AbortSignal) => Promise<T>): Promise<T> => {
    const op = s.operations.begin(opId);
    try {
      return await fn(op.signal);
    } catch (e) {
      progress(opId, 'error', toErrorInfo(e).message, undefined, 'error');
      throw e;
    } finally {
      op.end();
    }
  };

  // The proven change, rolled out (or checked) by Ansible on the inventory's hosts; each host's row goes out live.
  const fleet = (mode: 'plan' | 'rollout', req: FleetRequest) =>
    withOp(req.opId, async (signal) => {
      const profile = await s.profiles.get(req.profile);
      const changes = changesToRoll((await s.journal.read(profile.name)).experiments, req.experimentId, req.trial);
      const batches = req.batches ? parseBatches(req.batches) : DEFAULT_BATCHES;
      progress(req.opId, 'fleet', mode === 'plan' ? 'ansible-playbook --check --diff on every host of the inventory' : `Rolling out in batches ${batches.join(', ')}, stopping at the first host that fails`);
      const spoken = new Map<string, string>();
      const run = await runFleet({
        mode,
        profile: profile.name,
        changes,
        inventory: req.inventory,
        ...(req.limit ? { limit: req.limit } : {}),
        batches,
        deadlineS: req.deadlineS ?? DEFAULT_FLEET_DEADLINE_S,
        home: s.home,
        meta: { profile: profile.name, host: profile.host, port: profile.port, user: profile.user },
        signal,
        onHost: (host) => {
          s.events.emit('fleet.host', { ...(req.opId ? { opId: req.opId } : {}), host });
          // The log gets a line when a host's state says something new, not for every task Ansible reports.
          const said = `${host.status}|${host.failure?.task ?? ''}|${host.proofs.failed.length}`;
          if (spoken.get(host.name) === said) return;
          spoken.set(host.name, said);
          progress(req.opId, 'fleet', hostLine(host), undefined, host.status === 'failed' || host.status === 'unreachable' || host.failure ? 'warn' : 'info');
        },
      });
      return { run };
    });

  const vmOf = async (name: string): Promise<{ profile: Profile; driver: HypervisorDriver; vm: string }> => {
    const profile = await s.profiles.get(name);
    if (!profile.hypervisor) {
      throw new HardenLabError('NO_WAY_BACK', `The profile "${profile.name}" is not linked to a hypervisor VM, so it has no snapshots.`, {
        hint: 'Edit the profile and choose its VirtualBox or QEMU VM.',
      });
    }
    return { profile, driver: await s.drivers.getDriver(profile.hypervisor.kind), vm: profile.hypervisor.vm };
  };

  const labInfo = (l: Awaited<ReturnType<typeof listLabs>>[number]): LabInfoShape | null =>
    l.port && l.keyPath && l.hostKeyFingerprint
      ? {
          name: l.name,
          host: l.host ?? '127.0.0.1',
          port: l.port,
          user: l.user ?? 'lab',
          keyPath: l.keyPath,
          hostKeyFingerprint: l.hostKeyFingerprint,
          hypervisor: 'qemu',
          vm: l.name,
          state: l.state,
          ...(l.accel ? { accel: l.accel } : {}),
        }
      : null;

  return {
    'app.info': async () => ({
      name: 'Harden Lab',
      version: s.version,
      door: s.door,
      platform: `${process.platform}-${process.arch}`,
      dataDir: s.home,
      features: ['ssh', 'snapshots', 'lab', 'engine', 'terminal', ...(s.storedSecrets?.available() ? ['keychain'] : [])],
      remember: s.storedSecrets?.support() ?? rememberSupport(null),
    }),
    'app.doctor': async () => runDoctor(),

    'profiles.list': async () => ({ profiles: await s.profiles.list() }),
    'profiles.save': async (req) => {
      // Malformed input is refused; a well-formed client pin is still ignored (pinAfterClientSave).
      if (req.profile.pinnedHostKey !== undefined) parsePinnedHostKey(req.profile.pinnedHostKey);
      const stored = (await s.profiles.list()).find((p) => p.name === req.profile.name);
      const { pinnedHostKey: _fromClient, ...fields } = req.profile;
      const pin = pinAfterClientSave(stored, fields);
      const profile = await s.profiles.save({ ...fields, ...(pin ? { pinnedHostKey: pin } : {}) });
      let secretStored = false;
      if (req.secret) {
        await s.sessionSecrets.set(profile.name, req.secret.kind, req.secret.value);
        if (req.secret.remember && s.storedSecrets?.available()) {
          await s.storedSecrets.set(profile.name, req.secret.kind, req.secret.value);
          secretStored = true;
        }
      }
      return { profile, secretStored };
    },
    'profiles.delete': async (req) => {
      await s.connections.disconnect(req.name);
      await s.secrets.delete(req.name);
      const deleted = await s.profiles.delete(req.name);
      if (deleted) await s.canaries.forget(req.name);
      return { deleted };
    },
    'profiles.importSshConfig': async (req) => {
      const candidates = importSshConfig(req.host ? { host: req.host } : {});
      const out: Profile[] = [];
      for (const c of candidates) {
        const parsed = ProfileSchema.safeParse({ ...c.profile, origin: 'ssh-config' });
        if (parsed.success) out.push(parsed.data);
      }
      return { candidates: out };
    },

    'ssh.connect': async (req) =>
      withOp(req.opId, async (signal) => {
        const profile = await s.profiles.get(req.profile);
        if (req.password !== undefined) await s.sessionSecrets.set(profile.name, 'password', req.password);
        if (req.passphrase !== undefined) await s.sessionSecrets.set(profile.name, 'passphrase', req.passphrase);
        progress(req.opId, 'connect', `Connecting to ${profile.user}@${profile.host}:${profile.port}.`);
        const r = await sshCheck(profile, { manager: s.connections, signal });
        return {
          profile: r.profile,
          hostKey: r.hostKey,
          authMethod: r.authMethod,
          elevation: r.elevation,
          ...(r.os ? { os: r.os } : {}),
          ...(r.kernel ? { kernel: r.kernel } : {}),
          durationMs: r.durationMs,
        };
      }),
    'ssh.disconnect': async (req) => {
      await s.connections.disconnect(req.profile);
      return { ok: true as const };
    },
    'ssh.status': async () => ({ connections: s.connections.status() }),
    'ssh.hostKeyAnswer': async (req) => {
      if (!s.hostKeys.answer(req.promptId, req.decision)) {
        throw new HardenLabError('NOT_FOUND', 'That host-key question is no longer open (it was answered or timed out).', { hint: 'Connect again to be asked again.' });
      }
      return { ok: true as const };
    },
    'ssh.forgetHostKey': async (req) => ({ removed: (await s.connections.forgetHostKey(req.host, req.port)).removed }),

    'vm.list': async (req) => {
      const vms: VmInfoShape[] = [];
      const unavailable: Array<{ hypervisor: HypervisorKind; reason: string }> = [];
      const kinds = req.hypervisor ? [req.hypervisor] : HYPERVISOR_KIND_NAMES;
      for (const kind of kinds) {
        try {
          const driver = await s.drivers.getDriver(kind);
          const avail = await driver.availability();
          if (!avail.available) {
            unavailable.push({ hypervisor: kind, reason: avail.detail ?? `${kind} is not installed.` });
            continue;
          }
          vms.push(...(await driver.listVms()));
        } catch (e) {
          unavailable.push({ hypervisor: kind, reason: toErrorInfo(e).message });
        }
      }
      return { vms, unavailable };
    },
    'vm.state': async (req) => {
      const { driver, vm } = await vmOf(req.profile);
      return driver.vmInfo(vm);
    },

    'snapshots.list': async (req) => {
      const { driver, vm } = await vmOf(req.profile);
      return driver.listSnapshots(vm);
    },
    'snapshots.take': async (req) =>
      withOp(req.opId, async (signal) => {
        const { driver, vm } = await vmOf(req.profile);
        progress(req.opId, 'snapshot', `Taking the snapshot "${req.name}".`);
        const snapshot = await driver.takeSnapshot(vm, req.name, { ...(req.description ? { description: req.description } : {}), live: true, onProgress: driverProgress(req.opId), signal });
        progress(req.opId, 'done', `Snapshot "${snapshot.name}" taken.`);
        return { snapshot };
      }),
    'snapshots.restore': async (req) =>
      // A restore is a change like an apply: the engine runs it under the profile's lock, the same way back as a revert.
      withOp(req.opId, () =>
        s.engine.restoreSnapshot(req.profile, req.snapshot, {
          ...(req.opId ? { opId: req.opId } : {}),
          beforeRestore: () => s.terminals.closeAll(),
        }),
      ),
    'snapshots.delete': async (req) => {
      const { profile, driver, vm } = await vmOf(req.profile);
      const list = await driver.listSnapshots(vm);
      const snapshot = list.snapshots.find((x) => x.id === req.snapshot) ?? list.snapshots.find((x) => x.name === req.snapshot);
      if (!snapshot) throw new HardenLabError('SNAPSHOT_NOT_FOUND', `${profile.name} has no snapshot "${req.snapshot}".`);
      await driver.deleteSnapshot(vm, snapshot.id);
      return { ok: true as const };
    },

    'steps.list': async () => ({ steps: s.engine.listSteps() }),
    'steps.plan': async (req) =>
      withOp(req.opId, async (signal) => ({ plan: await s.engine.plan(req.profile, req.step, req.options, { ...(req.opId ? { opId: req.opId } : {}), signal }) })),
    'steps.apply': async (req) =>
      withOp(req.opId, async (signal) => ({
        result: await s.engine.apply(req.profile, req.planId, { confirmWarnings: req.confirmWarnings, proveReboot: req.proveReboot, ...(req.opId ? { opId: req.opId } : {}), signal }),
      })),
    'modules.loaded': async (req) => {
      const modules = await loadedModules(await s.engineConnections.target(await s.profiles.get(req.profile)));
      // The module view marks what containers need with the same catalog the modules step refuses to block.
      return { modules: modules.map((m) => ({ ...m, containerNeeded: isContainerModule(m.name) })) };
    },
    'revert.experiment': async (req) =>
      withOp(req.opId, async (signal) => s.engine.revert(req.profile, req.experimentId, { ...(req.opId ? { opId: req.opId } : {}), signal })),

    'journal.list': async (req) => {
      const names = req.profile ? [req.profile] : await s.journal.profiles();
      const experiments = [];
      for (const n of names) experiments.push(...(await s.journal.read(n)).experiments);
      experiments.sort((a, b) => b.startedAt.localeCompare(a.startedAt));
      return { experiments, open: experiments.filter((e) => e.status === 'open').map((e) => e.id) };
    },
    'journal.resolve': async (req) => {
      await s.engine.resolve(req.profile, req.experimentId);
      return { ok: true as const };
    },
    'journal.export': async (req) => {
      const profile = await s.profiles.get(req.profile);
      const { experiments } = await s.journal.read(profile.name);
      const r = exportExperiment(experiments, req.experimentId, req.format, profile);
      return { fileName: r.fileName, content: r.content, mime: r.mime, ...(r.inventory ? { inventory: r.inventory } : {}), ...(r.notes?.length ? { notes: r.notes } : {}) };
    },

    'audit.run': async (req) => withOp(req.opId, async (signal) => s.engine.audit(req.profile, { ...(req.opId ? { opId: req.opId } : {}), signal })),

    'canaries.list': async (req) => {
      const profile = await s.profiles.get(req.profile);
      return { canaries: await s.canaries.list(profile.name) };
    },
    'canaries.save': async (req) => {
      const profile = await s.profiles.get(req.profile);
      return { canary: await s.canaries.add(profile.name, req.canary, { replace: req.replace }) };
    },
    'canaries.remove': async (req) => {
      const profile = await s.profiles.get(req.profile);
      return { removed: await s.canaries.remove(profile.name, req.name) };
    },
    'canaries.run': async (req) => withOp(req.opId, async (signal) => s.engine.runCanaries(req.profile, req.names, { ...(req.opId ? { opId: req.opId } : {}), signal })),

    'policies.list': async () => ({ policies: (await s.policies.list()).map(({ policy, builtIn }) => ({ policy, builtIn, units: describePolicy(policy, s.engine.stepDefinitions(), builtIn).units })) }),
    'policies.show': async (req) => {
      const { policy, builtIn } = await s.policies.get(req.name);
      return describePolicy(policy, s.engine.stepDefinitions(), builtIn);
    },
    'policies.save': async (req) => s.policies.save(req.policy, { replace: req.replace }),
    'policies.import': async (req) => s.policies.save(parsePolicyText(req.text), { replace: req.replace }),
    'policies.export': async (req) => {
      const { policy } = await s.policies.get(req.name);
      return { fileName: `${policy.name}-v${policy.version}.${req.format === 'json' ? 'json' : 'yaml'}`, content: policyText(policy, req.format), mime: req.format === 'json' ? 'application/json' : 'application/yaml' };
    },
    'policies.remove': async (req) => ({ removed: await s.policies.remove(req.name) }),

    'trials.plan': async (req) =>
      withOp(req.opId, async (signal) => ({
        plan: await s.engine.trials.plan(req.profile, req.policy, { without: req.without, ...(req.from ? { from: req.from } : {}), ...(req.opId ? { opId: req.opId } : {}), signal }),
      })),
    'trials.run': async (req) =>
      withOp(req.opId, async (signal) => ({
        result: await s.engine.trials.run(req.profile, req.planId, { confirmWarnings: req.confirmWarnings, proveReboot: req.proveReboot, ...(req.opId ? { opId: req.opId } : {}), signal }),
      })),
    'trials.bisect': async (req) =>
      withOp(req.opId, async (signal) => ({
        bisection: await s.engine.trials.bisect(req.profile, req.experimentId, { proveReboot: req.proveReboot, ...(req.opId ? { opId: req.opId } : {}), signal }),
      })),
    'fleet.plan': (req) => fleet('plan', req),
    'fleet.rollout': (req) => fleet('rollout', req),

    'trials.compare': async (req) => {
      const profile = await s.profiles.get(req.profile);
      const comparison = compareTrials((await s.journal.read(profile.name)).experiments, req.experimentIds);
      const base = `hardenlab-${profile.name}-trials`;
      const report =
        req.format === 'markdown'
          ? { fileName: `${base}.md`, content: comparisonMarkdown(comparison), mime: 'text/markdown' }
          : req.format === 'html'
            ? { fileName: `${base}.html`, content: comparisonHtml(comparison), mime: 'text/html' }
            : undefined;
      return { comparison, ...(report ? { report } : {}) };
    },

    'lab.list': async () => ({ labs: (await listLabs({ home: s.home })).map(labInfo).filter((x): x is LabInfoShape => x !== null) }),
    'lab.up': async (req) =>
      withOp(req.opId, async (signal) => {
        const info = await labUp({ name: req.name, home: s.home, onProgress: driverProgress(req.opId), signal });
        progress(req.opId, 'done', `The lab VM "${info.name}" is up on ${info.host}:${info.port}.`);
        return {
          name: info.name,
          host: info.host,
          port: info.port,
          user: info.user,
          keyPath: info.keyPath,
          hostKeyFingerprint: info.hostKeyFingerprint,
          hypervisor: info.hypervisor,
          vm: info.vm,
          state: info.state,
          accel: info.accel,
        };
      }),
    'lab.down': async (req) => {
      await s.connections.disconnect(req.name);
      await labDown(req.name, { home: s.home });
      return { ok: true as const };
    },

    'terminal.open': async (req) => ({ terminalId: await s.terminals.open(await s.profiles.get(req.profile), req.cols, req.rows) }),
    'terminal.write': async (req) => {
      s.terminals.write(req.terminalId, req.data);
      return { ok: true as const };
    },
    'terminal.resize': async (req) => {
      s.terminals.resize(req.terminalId, req.cols, req.rows);
      return { ok: true as const };
    },
    'terminal.ack': async (req) => {
      s.terminals.ack(req.terminalId, req.chars);
      return { ok: true as const };
    },
    'terminal.close': async (req) => {
      s.terminals.close(req.terminalId);
      return { ok: true as const };
    },

    'op.cancel': async (req) => ({ cancelled: s.operations.cancel(req.opId) }),
  };
}
