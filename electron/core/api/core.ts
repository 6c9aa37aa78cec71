import { join } from 'node:path';
import { CanaryStore } from '../canaries/store';
import { PolicyStore } from '../policies/store';
import { Engine } from '../engine/engine';
import { Journal } from '../engine/journal';
import { ManagedConnections } from '../engine/ssh-connections';
import { createDriverRegistry, type DriverRegistry } from '../hypervisor/registry';
import { hardenlabHome } from '../paths';
import { ProfileStore } from '../profiles';
import { EncryptedFileSecretStore, MemorySecretStore, layeredSecretStore, type SecretStore, type StringEncryption } from '../secrets';
import type { HostKeyPrompter } from '../ssh/host-key-verifier';
import { ConnectionManager } from '../ssh/manager';
import { ALL_STEPS } from '../steps/registry';
import type { AnyStep } from '../engine/step';
import { EventBus } from '../events';
import { Operations } from './operations';
import type { Door, Handlers } from './dispatch';
import { createHandlers } from './handlers';
import { HostKeyPrompts } from './services/host-key-prompts';
import { Terminals } from './services/terminals';

export interface CoreOptions {
  door: Door;
  home?: string;
  version?: string;
  /** Electron's safeStorage (main process only); without it secrets are kept for the session only. */
  encryption?: StringEncryption;
  /** Replaces the event-based host-key prompt (the CLI asks on its terminal). */
  prompter?: HostKeyPrompter;
  /** Also trust ~/.ssh/known_hosts (read-only). */
  trustUserKnownHosts?: boolean;
  steps?: readonly AnyStep[];
}

/** Everything the handlers need, created once per process and shared by the doors. */
export interface CoreServices {
  door: Door;
  home: string;
  version: string;
  events: EventBus;
  operations: Operations;
  profiles: ProfileStore;
  canaries: CanaryStore;
  policies: PolicyStore;
  sessionSecrets: MemorySecretStore;
  storedSecrets: EncryptedFileSecretStore | null;
  secrets: SecretStore;
  hostKeys: HostKeyPrompts;
  connections: ConnectionManager;
  engineConnections: ManagedConnections;
  drivers: DriverRegistry;
  journal: Journal;
  engine: Engine;
  terminals: Terminals;
}

export interface Core {
  services: CoreServices;
  handlers: Handlers;
  dispose(): Promise<void>;
}

export function createCore(opts: CoreOptions): Core {
  const home = opts.home ?? hardenlabHome();
  const events = new EventBus();
  const profiles = new ProfileStore(home);
  const canaries = new CanaryStore(home);
  const sessionSecrets = new MemorySecretStore();
  const storedSecrets = opts.encryption ? new EncryptedFileSecretStore(opts.encryption, join(home, 'secrets.json')) : null;
  const secrets = layeredSecretStore(storedSecrets ? [sessionSecrets, storedSecrets] : [sessionSecrets]);
  const hostKeys = new HostKeyPrompts(events);
  const connections = new ConnectionManager({
    secrets,
    prompter: opts.prompter ?? hostKeys.prompter,
    knownHostsPath: join(home, 'known_hosts'),
    userKnownHostsPath: opts.trustUserKnownHosts ? join(process.env.HOME ?? '', '.ssh', 'known_hosts') : null,
    onState: (e) => events.emit('connection.state', { profile: e.profile, state: e.state, ...(e.message ? { message: e.message } : {}) }),
  });
  const engineConnections = new ManagedConnections(connections);
  const drivers = createDriverRegistry();
  const journal = new Journal(home);
  const steps = opts.steps ?? ALL_STEPS;
  const policies = new PolicyStore(home, steps);
  const engine = new Engine({
    profiles,
    connections: engineConnections,
    driverFor: (kind) => drivers.getDriver(kind),
    journal,
    events,
    steps,
    canaries,
    policies,
  });
  const services: CoreServices = {
    door: opts.door,
    home,
    version: opts.version ?? '0.1.0',
    events,
    operations: new Operations(),
    profiles,
    canaries,
    policies,
    sessionSecrets,
    storedSecrets,
    secrets,
    hostKeys,
    connections,
    engineConnections,
    drivers,
    journal,
    engine,
    terminals: new Terminals(connections, events),
  };
  return {
    services,
    handlers: createHandlers(services),
    async dispose() {
      services.terminals.closeAll();
      await connections.closeAll();
    },
  };
}
