/**
 * The names of every request channel and event, with no dependency at all, so
 * that the preload script (which must stay tiny and cannot load zod in a
 * sandbox) can generate its verbs from the same list the contract is checked
 * against (contract.test.ts asserts both lists match the schemas).
 */
export const CHANNELS = [
  'app.info',
  'app.doctor',
  'profiles.list',
  'profiles.save',
  'profiles.delete',
  'profiles.importSshConfig',
  'ssh.connect',
  'ssh.disconnect',
  'ssh.status',
  'ssh.hostKeyAnswer',
  'ssh.forgetHostKey',
  'vm.list',
  'vm.state',
  'snapshots.list',
  'snapshots.take',
  'snapshots.restore',
  'snapshots.delete',
  'steps.list',
  'steps.plan',
  'steps.apply',
  'modules.loaded',
  'revert.experiment',
  'journal.list',
  'journal.resolve',
  'journal.export',
  'audit.run',
  'canaries.list',
  'canaries.save',
  'canaries.remove',
  'canaries.run',
  'policies.list',
  'policies.show',
  'policies.save',
  'policies.import',
  'policies.export',
  'policies.remove',
  'trials.plan',
  'trials.run',
  'trials.bisect',
  'trials.compare',
  'fleet.plan',
  'fleet.rollout',
  'lab.list',
  'lab.up',
  'lab.down',
  'terminal.open',
  'terminal.write',
  'terminal.resize',
  'terminal.ack',
  'terminal.close',
  'op.cancel',
] as const;

export type ChannelName = (typeof CHANNELS)[number];

export const EVENTS = [
  'progress',
  'hostKey.prompt',
  'hostKey.resolved',
  'connection.state',
  'terminal.data',
  'terminal.exit',
  'journal.changed',
  'fleet.host',
] as const;

export type EventName = (typeof EVENTS)[number];

/** IPC channel names are namespaced so nothing else on ipcMain can collide. */
export const IPC_PREFIX = 'hl:';
export const EVENT_IPC_CHANNEL = 'hl-event';
