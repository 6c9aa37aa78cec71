import { HardenLabError } from '../errors';
import { runDoctor } from '../doctor';
import type { Handlers } from './dispatch';
import type { CoreServices } from './core';

const CAPABILITY = {
  ssh: 'the SSH layer (issue #4)',
  hypervisor: 'the hypervisor drivers and lab VM (issue #3)',
  engine: 'the hardening engine (issue #5)',
  terminal: 'terminal tabs (issue #4)',
} as const;

function notYet(what: keyof typeof CAPABILITY): never {
  throw new HardenLabError('NOT_IMPLEMENTED', `This arrives with ${CAPABILITY[what]}.`, { hint: 'It is not available in this build yet.' });
}

export function createHandlers(s: CoreServices): Handlers {
  return {
    'app.info': async () => ({
      name: 'Harden Lab',
      version: s.version,
      door: s.door,
      platform: `${process.platform}-${process.arch}`,
      dataDir: s.home,
      features: [],
    }),
    'app.doctor': async () => runDoctor(),

    'profiles.list': async () => ({ profiles: await s.profiles.list() }),
    'profiles.save': async (req) => ({ profile: await s.profiles.save(req.profile), secretStored: false }),
    'profiles.delete': async (req) => ({ deleted: await s.profiles.delete(req.name) }),
    'profiles.importSshConfig': async () => notYet('ssh'),

    'ssh.connect': async () => notYet('ssh'),
    'ssh.disconnect': async () => notYet('ssh'),
    'ssh.status': async () => ({ connections: [] }),
    'ssh.hostKeyAnswer': async () => notYet('ssh'),
    'ssh.forgetHostKey': async () => notYet('ssh'),

    'vm.list': async () => notYet('hypervisor'),
    'vm.state': async () => notYet('hypervisor'),
    'snapshots.list': async () => notYet('hypervisor'),
    'snapshots.take': async () => notYet('hypervisor'),
    'snapshots.restore': async () => notYet('hypervisor'),
    'snapshots.delete': async () => notYet('hypervisor'),

    'steps.list': async () => ({ steps: [] }),
    'steps.plan': async () => notYet('engine'),
    'steps.apply': async () => notYet('engine'),
    'revert.experiment': async () => notYet('engine'),
    'journal.list': async () => ({ experiments: [], open: [] }),
    'journal.resolve': async () => notYet('engine'),
    'journal.export': async () => notYet('engine'),
    'audit.run': async () => notYet('engine'),

    'lab.list': async () => ({ labs: [] }),
    'lab.up': async () => notYet('hypervisor'),
    'lab.down': async () => notYet('hypervisor'),

    'terminal.open': async () => notYet('terminal'),
    'terminal.write': async () => notYet('terminal'),
    'terminal.resize': async () => notYet('terminal'),
    'terminal.close': async () => notYet('terminal'),

    'op.cancel': async (req) => ({ cancelled: s.operations.cancel(req.opId) }),
  };
}
