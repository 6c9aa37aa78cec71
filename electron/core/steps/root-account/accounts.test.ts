import { describe, expect, it } from 'vitest';
import { adminGroupMembers, classifyShadow, doasAdmins, isNoLoginShell, parsePasswdStatus, shellOf, sudoAllowsAll, withShell } from './accounts';

// Shadow lines in the formats Debian 12 (yescrypt), Alpine (sha512, or an empty root) and passwd -l leave.
const YESCRYPT = 'root:$y$j9T$Q0Ip4sZ7cV0yQ2c3N5m8e/$0c1ZQ9gqH3n7u4zq4Lw2oZr2k0yPp1tXbq7QmZb3B8C:20786:0:99999:7:::';

describe('classifyShadow', () => {
  it('tells a usable hash, a locked one, none, and an empty field apart', () => {
    expect(classifyShadow(YESCRYPT)).toEqual({ state: 'password', method: '$y$' });
    expect(classifyShadow(YESCRYPT.replace('root:', 'root:!'))).toEqual({ state: 'locked', method: '$y$' });
    expect(classifyShadow('root:!!$6$salt$hash:19000:0:::::')).toEqual({ state: 'locked', method: '$6$' });
    expect(classifyShadow('root:*:19000:0:99999:7:::').state).toBe('no-password-login');
    expect(classifyShadow('root:!:19000::::::').state).toBe('no-password-login');
    expect(classifyShadow('root::19000:0:::::').state).toBe('empty');
    expect(classifyShadow(null).state).toBe('unknown');
    expect(classifyShadow('daemon:*:19000::::::').state).toBe('unknown');
  });
  it('never returns the hash', () => {
    expect(JSON.stringify(classifyShadow(YESCRYPT))).not.toContain('Q0Ip4');
  });
});

describe('passwd -S, recorded on Debian 12', () => {
  it('reads the status letter', () => {
    expect(parsePasswdStatus('root P 2026-11-29 0 99999 7 -1\n')).toBe('P');
    expect(parsePasswdStatus('nobody L 2026-11-29 0 99999 7 -1')).toBe('L');
    expect(parsePasswdStatus('root LK 2026-11-29 0 99999 7 -1 (Password locked.)')).toBe('LK');
    expect(parsePasswdStatus("passwd: unrecognized option: S\nBusyBox v1.36.1")).toBeNull();
  });
});

describe('root\'s shell', () => {
  const passwd = 'root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\nlab:x:1000:1000:,,,:/home/lab:/bin/bash\n';
  it('reads and replaces only root\'s shell, keeping every other byte', () => {
    expect(shellOf(passwd)).toBe('/bin/bash');
    const after = withShell(passwd, 'root', '/usr/sbin/nologin')!;
    expect(after).toBe(passwd.replace('root:/root:/bin/bash', 'root:/root:/usr/sbin/nologin'));
    expect(shellOf(after)).toBe('/usr/sbin/nologin');
    expect(isNoLoginShell('/usr/sbin/nologin')).toBe(true);
    expect(isNoLoginShell('/sbin/nologin')).toBe(true);
    expect(isNoLoginShell('/bin/false')).toBe(true);
    expect(isNoLoginShell('/bin/ash')).toBe(false);
    expect(withShell(passwd, 'nosuch', '/x')).toBeNull();
  });
});

describe('admins', () => {
  it('collects non-root members of sudo, wheel and admin', () => {
    const m = adminGroupMembers('sudo:x:27:lab,labpw\nwheel:x:10:root,lab\n');
    expect([...m]).toEqual([['lab', ['sudo', 'wheel']], ['labpw', ['sudo']]]);
  });
  it('reads doas rules (Alpine), expanding :group and ignoring other targets', () => {
    const conf = '# doas.conf\npermit persist :wheel\npermit nopass ops as root\npermit deploy as www\npermit setenv { PATH } ci\n';
    expect(doasAdmins(conf, 'wheel:x:10:root,alice\nops:x:1001:\n').sort()).toEqual(['alice', 'ci', 'ops']);
  });
});

describe('sudo -l -U, recorded on the lab VM', () => {
  it('sees full rights from a group or a sudoers.d rule, and nothing for others', () => {
    const lab = 'Matching Defaults entries for lab on hardenlab:\n    env_reset, mail_badpass, secure_path=/usr/local/sbin\\:/usr/local/bin\\:/usr/sbin\\:/usr/bin\\:/sbin\\:/bin, use_pty\n\nUser lab may run the following commands on hardenlab:\n    (ALL : ALL) ALL\n    (ALL : ALL) NOPASSWD: ALL\n';
    expect(sudoAllowsAll(lab)).toBe(true);
    expect(sudoAllowsAll('User ops may run the following commands on h:\n    (root) NOPASSWD: ALL\n')).toBe(true);
    expect(sudoAllowsAll('User backup may run the following commands on h:\n    (root) NOPASSWD: /usr/bin/rsync\n')).toBe(false);
    expect(sudoAllowsAll('User nobody is not allowed to run sudo on hardenlab.\n')).toBe(false);
  });
});
