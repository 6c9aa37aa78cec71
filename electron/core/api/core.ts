import { hardenlabHome } from '../paths';
import { ProfileStore } from '../profiles';
import { EventBus } from './events';
import { Operations } from './operations';
import type { Door, Handlers } from './dispatch';
import { createHandlers } from './handlers';

export interface CoreOptions {
  door: Door;
  home?: string;
  version?: string;
}

/** Everything the handlers need, created once per process and shared by the doors. */
export interface CoreServices {
  door: Door;
  home: string;
  version: string;
  events: EventBus;
  operations: Operations;
  profiles: ProfileStore;
}

export interface Core {
  services: CoreServices;
  handlers: Handlers;
  dispose(): Promise<void>;
}

export function createCore(opts: CoreOptions): Core {
  const home = opts.home ?? hardenlabHome();
  const services: CoreServices = {
    door: opts.door,
    home,
    version: opts.version ?? '0.1.0',
    events: new EventBus(),
    operations: new Operations(),
    profiles: new ProfileStore(home),
  };
  return {
    services,
    handlers: createHandlers(services),
    async dispose() {
      /* connections and terminals are closed here once the SSH layer lands */
    },
  };
}
