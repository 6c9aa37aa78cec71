import { answer, answerLines, defineFact, type Answers } from './provider';

/** Facts more than one step reads: declared once here, gathered once per operation. */

const releaseOf = (a: Answers): string => answer(a, 'release').stdout.trim();

export const kernelRelease = defineFact<string>({
  id: 'kernel.release',
  commands: () => ({ release: ['uname', '-r'] }),
  parse: (a) => releaseOf(a),
});

export interface ContainerRuntimes {
  /** Container tools on the PATH. */
  installed: string[];
  /** Container daemons running now. */
  running: string[];
}

const INSTALLED = 'for p in docker dockerd podman containerd; do command -v "$p" >/dev/null 2>&1 && echo "$p"; done; true';
const RUNNING = 'for p in dockerd podman containerd conmon; do pidof "$p" >/dev/null 2>&1 && echo "$p"; done; true';

const runtimesOf = (a: Answers, installed: string, running: string): ContainerRuntimes => ({ installed: answerLines(a, installed), running: answerLines(a, running) });

export const containerRuntimes = defineFact<ContainerRuntimes>({
  id: 'containers.runtimes',
  commands: () => ({ installed: ['sh', '-c', INSTALLED], running: ['sh', '-c', RUNNING] }),
  parse: (a) => runtimesOf(a, 'installed', 'running'),
});

const systemdOf = (a: Answers): boolean => answer(a, 'systemd').code === 0;

/** Whether systemd is the init (its units apply sysctl.d and modules-load.d at boot). */
export const systemdInit = defineFact<boolean>({
  id: 'init.systemd',
  commands: () => ({ systemd: ['test', '-d', '/run/systemd/system'] }),
  parse: (a) => systemdOf(a),
});

/**
 * The shared facts from answers recorded under the old single-probe names
 * (release, containersInstalled, containersRunning, systemd), through the
 * providers' own parsers: for the steps' tests on recorded output.
 */
export function sharedFactsFrom(r: Answers): { kernelRelease: string; containers: ContainerRuntimes; systemd: boolean } {
  return { kernelRelease: releaseOf(r), containers: runtimesOf(r, 'containersInstalled', 'containersRunning'), systemd: systemdOf(r) };
}
