import { answer, answerLines, defineFact } from './provider';

/** Facts more than one step reads: declared once here, gathered once per operation. */

export const kernelRelease = defineFact<string>({
  id: 'kernel.release',
  commands: () => ({ release: ['uname', '-r'] }),
  parse: (a) => answer(a, 'release').stdout.trim(),
});

export interface ContainerRuntimes {
  /** Container tools on the PATH. */
  installed: string[];
  /** Container daemons running now. */
  running: string[];
}

const INSTALLED = 'for p in docker dockerd podman containerd; do command -v "$p" >/dev/null 2>&1 && echo "$p"; done; true';
const RUNNING = 'for p in dockerd podman containerd conmon; do pidof "$p" >/dev/null 2>&1 && echo "$p"; done; true';

export const containerRuntimes = defineFact<ContainerRuntimes>({
  id: 'containers.runtimes',
  commands: () => ({ installed: ['sh', '-c', INSTALLED], running: ['sh', '-c', RUNNING] }),
  parse: (a) => ({ installed: answerLines(a, 'installed'), running: answerLines(a, 'running') }),
});

/** Whether systemd is the init (its units apply sysctl.d and modules-load.d at boot). */
export const systemdInit = defineFact<boolean>({
  id: 'init.systemd',
  commands: () => ({ systemd: ['test', '-d', '/run/systemd/system'] }),
  parse: (a) => answer(a, 'systemd').code === 0,
});
