import { describe, expect, it } from 'vitest';
import { labExec, labExecOk, labTestContext } from '../../lab/testing';
import { Client } from '../../ssh/ssh2-runtime';
import { useCleanLab } from '../../testing/lab-core';
import { rootAccountStep } from './step';

/**
 * A real password login over SSH with ssh2, pinned to the lab's ed25519 host
 * key: the lab baseline lets root in with the password "lab" (PermitRootLogin
 * yes, PasswordAuthentication yes), so this proves the lock and not sshd.
 */
async function passwordLogin(user: string, password: string): Promise<'ok' | 'refused'> {
  const { info } = labTestContext();
  const expected = Buffer.from(info.hostKey.split(/\s+/)[1]!, 'base64');
  return new Promise((resolve, reject) => {
    const c = new Client();
    const timer = setTimeout(() => {
      c.end();
      reject(new Error('no answer from sshd'));
    }, 60_000);
    c.on('ready', () => {
      clearTimeout(timer);
      c.end();
      resolve('ok');
    });
    c.on('error', (e: Error & { level?: string }) => {
      clearTimeout(timer);
      if (e.level === 'client-authentication') resolve('refused');
      else reject(e);
    });
    c.connect({
      host: info.host,
      port: info.port,
      username: user,
      password,
      tryKeyboard: false,
      readyTimeout: 60_000,
      algorithms: { serverHostKey: ['ssh-ed25519'] },
      hostVerifier: (key: Buffer) => key.equals(expected),
    } as never);
  });
}

const core = useCleanLab('root-account-step', { steps: [rootAccountStep] });

describe('root-account step on the real lab VM', () => {
  it('refuses unknown options and changes nothing', async () => {
    await expect(core().services.engine.plan('lab', 'root-account', { lockEverything: true })).rejects.toMatchObject({ code: 'BAD_INPUT' });
  });

  it('plans the lock against the baseline (root has the password "lab") and audits it as failing', async () => {
    expect(await passwordLogin('root', 'lab')).toBe('ok');
    const plan = await core().services.engine.plan('lab', 'root-account', {});
    expect(plan.nothingToDo).toBe(false);
    expect(plan.commands.map((c) => c.argv.join(' '))).toEqual(['passwd -l root']);
    expect(plan.warnings.map((w) => w.kind)).toContain('lockout-risk');
    expect(plan.warnings.find((w) => w.kind === 'lockout-risk')!.message).toMatch(/lab \(sudo\)/);
    expect(JSON.stringify(plan)).not.toMatch(/\$y\$j9T\$[A-Za-z0-9./]{8}/);
    const audit = await core().services.engine.audit('lab');
    expect(audit.checks.find((c) => c.id === 'root-account.locked')).toMatchObject({ status: 'fail', evidence: expect.stringMatching(/\$y\$ password hash.*passwd -S: root P/) });
    expect(audit.checks.find((c) => c.id === 'root-account.admin-user')).toMatchObject({ status: 'pass', evidence: 'lab (sudo), labpw (sudo)' });
  });

  it('locks root inside a snapshot, proves a root password login is refused, and re-plans to nothing', async () => {
    const engine = core().services.engine;
    const plan = await engine.plan('lab', 'root-account', { alsoDisableRootShell: true });
    expect(plan.files.map((f) => f.path)).toEqual(['/etc/passwd']);
    expect(plan.files[0]!.diff).toMatch(/\+root:x:0:0:root:\/root:\/usr\/sbin\/nologin/);
    await expect(engine.apply('lab', plan.id)).rejects.toMatchObject({ code: 'CONFIRMATION_REQUIRED' });
    const r = await engine.apply('lab', plan.id, { confirmWarnings: true });
    const lines = r.checks.map((c) => `${c.ok ? 'ok' : 'FAIL'} ${c.name}: ${c.evidence}`).join('\n');
    expect(r.outcome, `${lines}\n${r.error?.message ?? ''}`).toBe('verified');
    expect(r.checks.every((c) => c.ok), lines).toBe(true);
    expect(lines).toMatch(/passwd -S root reports it locked: root L /);

    expect(await passwordLogin('root', 'lab')).toBe('refused');
    expect(await labExecOk(['sudo', '-n', 'passwd', '-S', 'root'])).toMatch(/^root L /);
    expect(await labExecOk(['getent', 'passwd', 'root'])).toBe('root:x:0:0:root:/root:/usr/sbin/nologin\n');
    // The way the operator works is untouched: sudo COMMAND still runs as root.
    expect(await labExecOk(['sudo', '-n', 'id', '-u'])).toBe('0\n');
    // sudo -i runs root's login shell, which now refuses.
    expect((await labExec(['sudo', '-n', '-i', 'true'])).code).not.toBe(0);

    expect((await engine.plan('lab', 'root-account', { alsoDisableRootShell: true })).nothingToDo).toBe(true);
    const audit = await engine.audit('lab');
    expect(audit.checks.filter((c) => c.id.startsWith('root-account.')).map((c) => c.status)).toEqual(['pass', 'pass']);
  });
});
