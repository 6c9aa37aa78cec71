import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HardenLabError } from '../errors';
import { createCore } from './core';
import { dispatch } from './dispatch';

function core() {
  return createCore({ door: 'cli', home: mkdtempSync(join(tmpdir(), 'hl-dispatch-')) });
}

describe('dispatch', () => {
  it('answers a valid request with the handler reply', async () => {
    const c = core();
    const r = await dispatch(c.handlers, 'app.info', {}, { door: 'cli', events: c.services.events });
    expect(r.ok).toBe(true);
    if (r.ok) expect((r.value as { name: string }).name).toBe('Harden Lab');
  });

  it('refuses unknown channels, including prototype keys', async () => {
    const c = core();
    for (const ch of ['nope', '__proto__', 'constructor', 'toString', 42, null]) {
      const r = await dispatch(c.handlers, ch, {}, { door: 'cli', events: c.services.events });
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error.code).toBe('BAD_INPUT');
    }
  });

  it('refuses invalid requests before the handler runs', async () => {
    const c = core();
    let ran = false;
    c.handlers['profiles.delete'] = async () => {
      ran = true;
      return { deleted: true };
    };
    const r = await dispatch(c.handlers, 'profiles.delete', { name: 'x; rm -rf /' }, { door: 'cli', events: c.services.events });
    expect(ran).toBe(false);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.code).toBe('BAD_INPUT');
      expect(r.error.message).toMatch(/profiles\.delete.*name/);
    }
  });

  it('turns typed errors into envelopes with their code and hint', async () => {
    const c = core();
    c.handlers['vm.list'] = async () => {
      throw new HardenLabError('DRIVER_MISSING', 'VBoxManage was not found.', { hint: 'Install VirtualBox.' });
    };
    const r = await dispatch(c.handlers, 'vm.list', {}, { door: 'cli', events: c.services.events });
    expect(r).toEqual({ ok: false, error: { code: 'DRIVER_MISSING', message: 'VBoxManage was not found.', hint: 'Install VirtualBox.' } });
  });

  it('reports a handler whose reply drifts from the contract as an internal error', async () => {
    const c = core();
    c.handlers['profiles.delete'] = async () => ({ deleted: 'yes' }) as never;
    const r = await dispatch(c.handlers, 'profiles.delete', { name: 'lab' }, { door: 'cli', events: c.services.events });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.code).toBe('INTERNAL');
  });

  it('saves, lists and deletes profiles through the contract', async () => {
    const c = core();
    const ctx = { door: 'cli' as const, events: c.services.events };
    const profile = { name: 'lab', host: '127.0.0.1', port: 2222, user: 'lab', auth: { kind: 'key', keyPath: '/k' } };
    expect((await dispatch(c.handlers, 'profiles.save', { profile }, ctx)).ok).toBe(true);
    const listed = await dispatch(c.handlers, 'profiles.list', {}, ctx);
    expect(listed.ok && (listed.value as { profiles: unknown[] }).profiles).toHaveLength(1);
    const del = await dispatch(c.handlers, 'profiles.delete', { name: 'lab' }, ctx);
    expect(del).toEqual({ ok: true, value: { deleted: true } });
  });
});
