import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createCore } from './core';
import { dispatch } from './dispatch';

/** A well-formed "ssh-ed25519 AAAA..." line for a random key. */
function ed25519Line(): string {
  const str = (b: Buffer) => Buffer.concat([Buffer.from([0, 0, 0, b.length]), b]);
  return `ssh-ed25519 ${Buffer.concat([str(Buffer.from('ssh-ed25519')), str(randomBytes(32))]).toString('base64')}`;
}

function core() {
  const c = createCore({ door: 'browser', home: mkdtempSync(join(tmpdir(), 'hl-profiles-save-')) });
  const ctx = { door: 'browser' as const, events: c.services.events };
  const save = (profile: Record<string, unknown>) => dispatch(c.handlers, 'profiles.save', { profile }, ctx);
  return { c, save };
}

const manual = { name: 'vm1', host: '192.0.2.10', port: 22, user: 'admin', auth: { kind: 'agent' } };

describe('profiles.save from a client cannot pin a host key', () => {
  it('a pin sent with a new profile is not stored', async () => {
    const { c, save } = core();
    const r = await save({ ...manual, pinnedHostKey: ed25519Line() });
    expect(r.ok).toBe(true);
    if (r.ok) expect((r.value as { profile: { pinnedHostKey?: string } }).profile.pinnedHostKey).toBeUndefined();
    expect((await c.services.profiles.get('vm1')).pinnedHostKey).toBeUndefined();
  });

  it('the lab builder’s pin survives a client save that omits or replaces it, and goes when the endpoint changes', async () => {
    const { c, save } = core();
    const labPin = ed25519Line();
    // What electron/core/lab writes: the key it read from the VM it built.
    await c.services.profiles.save({ name: 'lab', host: '127.0.0.1', port: 2222, user: 'lab', auth: { kind: 'key', keyPath: '/k' }, pinnedHostKey: labPin, origin: 'lab' });
    const lab = await c.services.profiles.get('lab');

    expect((await save({ ...lab, pinnedHostKey: undefined, elevation: 'sudo' })).ok).toBe(true);
    expect((await c.services.profiles.get('lab')).pinnedHostKey).toBe(labPin);

    expect((await save({ ...lab, pinnedHostKey: ed25519Line() })).ok).toBe(true);
    expect((await c.services.profiles.get('lab')).pinnedHostKey).toBe(labPin);

    expect((await save({ ...lab, port: 2223 })).ok).toBe(true);
    expect((await c.services.profiles.get('lab')).pinnedHostKey).toBeUndefined();
  });

  it('a garbage pin is refused with a clear error, from a client and from the store', async () => {
    const { c, save } = core();
    for (const garbage of ['trust me', 'ssh-ed25519 !!!', `ssh-rsa ${ed25519Line().split(' ')[1]}`]) {
      const r = await save({ ...manual, pinnedHostKey: garbage });
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error).toMatchObject({ code: 'BAD_INPUT', message: expect.stringMatching(/pinned host key/i) });
    }
    await expect(c.services.profiles.save({ ...manual, auth: { kind: 'agent' }, pinnedHostKey: 'trust me' })).rejects.toMatchObject({ code: 'BAD_INPUT', message: expect.stringMatching(/pinned host key/i) });
    expect(await c.services.profiles.list()).toEqual([]);
  });
});
