import { FusesPlugin } from '@electron-forge/plugin-fuses';
import { FuseV1Options, FuseVersion } from '@electron/fuses';
import { describe, expect, it } from 'vitest';
import config from '../../forge.config';

// The fuses are flipped in the binary at packaging time, which cannot run
// here (no Electron binary); what Forge will write is what its FusesPlugin
// was given, so that is what is checked.
describe('fuses (checklist 19)', () => {
  const plugins = (config.plugins ?? []).filter((p): p is FusesPlugin => p instanceof FusesPlugin);

  it('one FusesPlugin locks the binary to our packaged, integrity-checked app', () => {
    expect(plugins).toHaveLength(1);
    const fuses = plugins[0]!.fusesConfig;
    expect(fuses.version).toBe(FuseVersion.V1);
    expect(fuses).toMatchObject({
      // ELECTRON_RUN_AS_NODE would turn the signed app into a plain Node for anyone.
      [FuseV1Options.RunAsNode]: false,
      [FuseV1Options.EnableNodeOptionsEnvironmentVariable]: false,
      [FuseV1Options.EnableNodeCliInspectArguments]: false,
      [FuseV1Options.EnableEmbeddedAsarIntegrityValidation]: true,
      [FuseV1Options.OnlyLoadAppFromAsar]: true,
      [FuseV1Options.EnableCookieEncryption]: true,
      [FuseV1Options.GrantFileProtocolExtraPrivileges]: false,
    });
  });

  it('packages into an asar, which the integrity and asar-only fuses need', () => {
    expect(config.packagerConfig?.asar).toBeTruthy();
  });
});
