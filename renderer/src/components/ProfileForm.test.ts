import { describe, expect, it } from 'vitest';
import { draftToProfile, EMPTY_DRAFT } from './ProfileForm';

describe('draftToProfile', () => {
  it('builds a profile the core accepts, with the hypervisor link when given', () => {
    const { profile, errors } = draftToProfile({ ...EMPTY_DRAFT, name: 'alpine-vbox', user: 'admin', port: '2222', hypervisor: 'virtualbox', vm: ' Alpine Lab ' }, 'virtualbox');
    expect(errors).toEqual({});
    expect(profile).toMatchObject({ name: 'alpine-vbox', port: 2222, auth: { kind: 'key', keyPath: '~/.ssh/id_ed25519' }, hypervisor: { kind: 'virtualbox', vm: 'Alpine Lab' }, origin: 'virtualbox', elevation: 'auto' });
  });

  it('keys each error to its field, in words a person can act on', () => {
    const { profile, errors } = draftToProfile({ ...EMPTY_DRAFT, name: 'bad name!', user: 'Root', host: 'not a host', port: '0', hypervisor: 'qemu', vm: '' });
    expect(profile).toBeUndefined();
    expect(Object.keys(errors).sort()).toEqual(['host', 'hypervisor', 'name', 'port', 'user']);
    expect(errors.port).toBe('Enter a port number from 1 to 65535.');
    expect(errors.host).toBe('Enter a host name or an IP address.');
  });

  it('drops the key path for agent and password sign-in', () => {
    expect(draftToProfile({ ...EMPTY_DRAFT, name: 'x', user: 'u', authKind: 'agent' }).profile?.auth).toEqual({ kind: 'agent' });
    expect(draftToProfile({ ...EMPTY_DRAFT, name: 'x', user: 'u', authKind: 'password', keyPath: '' }).profile?.auth).toEqual({ kind: 'password' });
  });
});
