import { posix, win32 } from 'node:path';
import { which } from '../../proc';

/**
 * Where VBoxManage lives when it is not on PATH. Oracle's Linux packages put
 * the binary in /usr/lib/virtualbox and a wrapper in /usr/bin; the macOS
 * installer puts it inside the app bundle; the Windows installer records
 * its folder in VBOX_MSI_INSTALL_PATH (VBOX_INSTALL_PATH on old versions).
 */
export function vboxManageInstallDirs(platform: NodeJS.Platform, env: NodeJS.ProcessEnv): string[] {
  if (platform === 'win32') {
    const dirs: string[] = [];
    for (const v of [env.VBOX_MSI_INSTALL_PATH, env.VBOX_INSTALL_PATH]) if (v) dirs.push(v);
    for (const base of [env.ProgramFiles, env.ProgramW6432, 'C:\\Program Files']) {
      if (base) dirs.push(win32.join(base, 'Oracle', 'VirtualBox'));
    }
    return [...new Set(dirs)];
  }
  if (platform === 'darwin') {
    return ['/Applications/VirtualBox.app/Contents/MacOS', '/usr/local/bin', '/opt/homebrew/bin'];
  }
  return ['/usr/bin', '/usr/local/bin', '/usr/lib/virtualbox', posix.join('/opt', 'VirtualBox')];
}

export function vboxManageInstallHint(platform: NodeJS.Platform): string {
  const where = vboxManageInstallDirs(platform, {}).join(', ');
  const how =
    platform === 'win32'
      ? 'Install VirtualBox from https://www.virtualbox.org/wiki/Downloads (the installer sets VBOX_MSI_INSTALL_PATH)'
      : platform === 'darwin'
        ? 'Install VirtualBox from https://www.virtualbox.org/wiki/Downloads'
        : "Install VirtualBox (Oracle's virtualbox-7.x package, or your distribution's virtualbox package)";
  return `${how}, or add the folder holding VBoxManage to PATH. Looked on PATH and in ${where}.`;
}

export type FindProgram = (name: string, extraDirs: readonly string[], env: NodeJS.ProcessEnv) => string | null;

/** Full path of VBoxManage, or null when VirtualBox is not installed. */
export function locateVBoxManage(
  opts: { platform?: NodeJS.Platform; env?: NodeJS.ProcessEnv; find?: FindProgram } = {},
): string | null {
  const platform = opts.platform ?? process.platform;
  const env = opts.env ?? process.env;
  const find = opts.find ?? which;
  return find('VBoxManage', vboxManageInstallDirs(platform, env), env);
}
