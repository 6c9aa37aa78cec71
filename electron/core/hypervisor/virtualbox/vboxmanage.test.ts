import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HardenLabError } from '../../errors';
import { run } from '../../proc';
import { locateVBoxManage, vboxManageInstallDirs, vboxManageInstallHint } from './locate';
import { VBoxManage, commandName, percentTracker } from './vboxmanage';

/**
 * The I/O adapter against real processes: a small shell script stands in for
 * VBoxManage and writes its progress to stderr in pieces, with pauses, the way
 * showProgress does. This exercises the real spawn, streaming and exit codes.
 */
let dir: string;
let fake: string;

async function failure(p: Promise<unknown>): Promise<HardenLabError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof HardenLabError) return e;
    throw e;
  }
  throw new Error('expected a failure');
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'hardenlab-vbox-'));
  fake = join(dir, 'VBoxManage');
  writeFileSync(
    fake,
    [
      '#!/bin/sh',
      'case "$1" in',
      '  --version) echo "7.1.4r165100" ;;',
      '  snapshot)',
      '    printf "0%%..." >&2; sleep 0.05',
      '    printf "10%%...2" >&2; sleep 0.05',
      '    printf "0%%...30%%...40%%...50%%...60%%...70%%...80%%...90%%..." >&2; sleep 0.05',
      '    printf "100%%\\n" >&2',
      '    echo "Snapshot taken. UUID: 6b7c8d9e-0f1a-4b2c-9d3e-4f5a6b7c8d9e" ;;',
      '  startvm)',
      '    echo "Waiting for VM \\"$2\\" to power on..."',
      '    echo "VM \\"$2\\" has been successfully started."',
      '    exit 1 ;;',
      '  hang) exec sleep 5 ;; # like the real wrapper, which execs the binary',
      '  args) for a in "$@"; do printf "[%s]\\n" "$a"; done ;;',
      '  *) echo "VBoxManage: error: Unknown command" >&2; exit 2 ;;',
      'esac',
      '',
    ].join('\n'),
  );
  chmodSync(fake, 0o755);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('VBoxManage adapter on a real process', () => {
  const adapter = () => new VBoxManage({ runner: run, locate: () => fake, installHint: 'install it' });

  it('streams progress percentages in order from stderr pieces', async () => {
    const seen: number[] = [];
    const r = await adapter().run({ args: ['snapshot', 'x', 'take', 'y'], timeoutMs: 10_000, onPercent: (p) => seen.push(p) });
    expect(seen).toEqual([0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('Snapshot taken. UUID: 6b7c8d9e-0f1a-4b2c-9d3e-4f5a6b7c8d9e\n');
  });

  it('hands back exit 1 with stdout intact (startvm), deciding nothing itself', async () => {
    const r = await adapter().run({ args: ['startvm', 'Debian 12 lab', '--type', 'headless'], timeoutMs: 10_000 });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('VM "Debian 12 lab" has been successfully started.');
  });

  it('passes arguments byte for byte: spaces, quotes, $, ; and a leading dash', async () => {
    const args = ['args', 'say "hi" {x}', '$(id); rm -rf /', '--description=a b', '-n'];
    const r = await adapter().run({ args, timeoutMs: 10_000 });
    expect(r.stdout).toBe(args.map((a) => `[${a}]\n`).join(''));
  });

  it('stops a hung VBoxManage with TIMEOUT naming the command', async () => {
    const started = Date.now();
    const e = await failure(adapter().run({ args: ['hang'], timeoutMs: 300 }));
    expect(e.code).toBe('TIMEOUT');
    expect(e.message).toBe('VBoxManage hang did not finish within 0 s and was stopped.');
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('reports CANCELLED when the signal fires', async () => {
    const ctl = new AbortController();
    setTimeout(() => ctl.abort(), 100);
    const e = await failure(adapter().run({ args: ['hang'], timeoutMs: 10_000, signal: ctl.signal }));
    expect(e.code).toBe('CANCELLED');
  });

  it('gives DRIVER_MISSING with the hint when the program is not there', async () => {
    const a = new VBoxManage({ runner: run, locate: () => join(dir, 'absent', 'VBoxManage'), installHint: 'Install VirtualBox.' });
    const e = await failure(a.run({ args: ['--version'], timeoutMs: 5000 }));
    expect(e.code).toBe('DRIVER_MISSING');
    expect(e.hint).toBe('Install VirtualBox.');
  });

  it('names commands for messages', () => {
    expect(commandName(['snapshot', 'uuid', 'restore', 'snap'])).toBe('snapshot restore');
    expect(commandName(['controlvm', 'uuid', 'poweroff'])).toBe('controlvm poweroff');
    expect(commandName(['list', 'vms'])).toBe('list vms');
    expect(commandName(['showvminfo', 'uuid', '--machinereadable'])).toBe('showvminfo');
  });

  it('tracks percentages across arbitrary chunk boundaries', () => {
    const seen: number[] = [];
    const feed = percentTracker((p) => seen.push(p));
    for (const ch of '0%...10%...20%...100%\n') feed(ch);
    expect(seen).toEqual([0, 10, 20, 100]);
  });
});

describe('locating VBoxManage', () => {
  it('knows the install folders of each platform', () => {
    expect(vboxManageInstallDirs('linux', {})).toEqual(['/usr/bin', '/usr/local/bin', '/usr/lib/virtualbox', '/opt/VirtualBox']);
    expect(vboxManageInstallDirs('darwin', {})).toContain('/Applications/VirtualBox.app/Contents/MacOS');
    expect(
      vboxManageInstallDirs('win32', {
        VBOX_MSI_INSTALL_PATH: 'D:\\Apps\\VirtualBox\\',
        VBOX_INSTALL_PATH: 'E:\\Old\\VirtualBox\\',
        ProgramFiles: 'C:\\Program Files',
      }),
    ).toEqual(['D:\\Apps\\VirtualBox\\', 'E:\\Old\\VirtualBox\\', 'C:\\Program Files\\Oracle\\VirtualBox']);
    expect(vboxManageInstallHint('darwin')).toContain('/Applications/VirtualBox.app/Contents/MacOS');
  });

  it('finds VBoxManage on PATH (real file system)', () => {
    expect(locateVBoxManage({ platform: 'linux', env: { PATH: dir } })).toBe(fake);
  });

  it('looks in the install folders too, and returns null when it is nowhere', () => {
    const asked: string[][] = [];
    const found = locateVBoxManage({
      platform: 'win32',
      env: { VBOX_MSI_INSTALL_PATH: 'D:\\VB\\' },
      find: (name, extra) => {
        asked.push([name, ...extra]);
        return null;
      },
    });
    expect(found).toBeNull();
    expect(asked[0]).toEqual(['VBoxManage', 'D:\\VB\\', 'C:\\Program Files\\Oracle\\VirtualBox']);
    // This machine has no VirtualBox: the real search finds nothing.
    expect(locateVBoxManage({ platform: 'linux', env: { PATH: join(dir, 'empty') } })).toBeNull();
  });
});
