import { describe, expect, it } from 'vitest';
import type { Res } from '../../../shared/contract';
import { rememberOffer } from './SecretPrompt';

const info = (remember?: Res<'app.info'>['remember']): Res<'app.info'> => ({
  name: 'Harden Lab',
  version: '0.1.0',
  door: 'electron',
  platform: 'linux-x64',
  dataDir: '/tmp/hl',
  features: [],
  ...(remember ? { remember } : {}),
});

describe('rememberOffer', () => {
  it('offers the checkbox only when the core says secrets can be kept encrypted', () => {
    expect(rememberOffer(info({ available: true }))).toEqual({ offered: true });
  });

  it("otherwise shows the core's reason instead of the checkbox", () => {
    const reason = 'No keyring (GNOME Keyring or KWallet) is running in this desktop session.';
    expect(rememberOffer(info({ available: false, reason }))).toEqual({ offered: false, reason });
  });

  it('offers nothing before app.info has answered, or when an older core does not say', () => {
    expect(rememberOffer(null).offered).toBe(false);
    expect(rememberOffer(info()).offered).toBe(false);
    expect(rememberOffer(info({ available: false }))).toMatchObject({ offered: false, reason: expect.stringMatching(/session only/) });
  });
});
