import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { applyEvent, finishRollout, newRollout } from './events';

const fx = (name: string) => readFileSync(join(__dirname, 'fixtures', name), 'utf8');

describe('a rollout read from the jsonl callback', () => {
  it('on a recorded run (ansible-core 2.14, serial [1, 100%], max_fail_percentage 0, host b failing in batch 2)', () => {
    const state = newRollout(['a', 'b', 'c']);
    const touched = fx('jsonl-serial-fail.jsonl').split('\n').filter(Boolean).flatMap((l) => applyEvent(state, l));
    expect(new Set(touched)).toEqual(new Set(['a', 'b', 'c']));
    const end = finishRollout(state);
    expect(end.outcome).toBe('failed');
    const row = (n: string) => end.hosts.find((h) => h.name === n)!;
    expect(row('a')).toMatchObject({ batch: 1, status: 'changed', changed: 1 });
    expect(row('c')).toMatchObject({ batch: 2, status: 'changed' });
    expect(row('b')).toMatchObject({ batch: 2, status: 'failed', failure: { task: 'Fail on b' } });
    expect(row('a').diffs).toEqual([{ task: 'Copy', path: '/tmp/hl-lint/out-a', diff: expect.stringContaining('+x') }]);
  });

  it('a proof that fails, the rescue that restores, and hosts whose batch never came', () => {
    const state = newRollout(['lab', 'lab2']);
    const ev = (o: object) => applyEvent(state, JSON.stringify(o));
    ev({ _event: 'v2_playbook_on_play_start' });
    // As --check reports a copy: no dest, a temporary file as the "after" side.
    ev({ _event: 'v2_runner_on_ok', task: { name: '[ssh] /etc/ssh/sshd_config.d/00-hardenlab.conf' }, hosts: { lab: { changed: true, diff: [{ before: '', after: 'PasswordAuthentication no\n', after_header: '/root/.ansible/tmp/ansible-local-1/tmpx' }] } } });
    ev({ _event: 'v2_runner_on_failed', task: { name: '[ssh] prove sshd -T: passwordauthentication no' }, hosts: { lab: { failed: true, msg: 'sshd -T: passwordauthentication no does not hold' } } });
    ev({ _event: 'v2_runner_on_ok', task: { name: '[ssh] what the switch did' }, hosts: { lab: { changed: false, stdout: 'engine 2026-12-04T22:00:00Z 0\n' } } });
    ev({ _event: 'v2_runner_on_failed', task: { name: "[ssh] restored by the dead-man's switch" }, hosts: { lab: { failed: true, msg: 'restored' } } });
    ev({ _event: 'v2_playbook_on_stats', stats: { lab: { changed: 2, failures: 1, unreachable: 0, rescued: 1 } } });
    expect(applyEvent(state, 'not json')).toEqual([]);
    expect(state.hosts.get('lab')!.diffs).toEqual([{ task: '[ssh] /etc/ssh/sshd_config.d/00-hardenlab.conf', path: '/etc/ssh/sshd_config.d/00-hardenlab.conf', diff: expect.stringContaining('+++ b/etc/ssh/sshd_config.d/00-hardenlab.conf') }]);
    const end = finishRollout(state);
    expect(end).toMatchObject({ outcome: 'stopped', stoppedAfterBatch: 1 });
    expect(end.hosts).toEqual([
      expect.objectContaining({ name: 'lab', batch: 1, status: 'restored', restored: 'engine 2026-12-04T22:00:00Z 0', proofs: { held: 0, failed: ['sshd -T: passwordauthentication no'] }, failure: { task: '[ssh] prove sshd -T: passwordauthentication no', message: expect.stringContaining('does not hold') } }),
      expect.objectContaining({ name: 'lab2', batch: null, status: 'not-run' }),
    ]);
  });

  it('a run cut short (cancelled, killed): the host it reached failed, the others did not run', () => {
    const state = newRollout(['lab', 'lab2']);
    applyEvent(state, JSON.stringify({ _event: 'v2_playbook_on_play_start' }));
    applyEvent(state, JSON.stringify({ _event: 'v2_runner_on_ok', task: { name: "[ssh] arm the dead-man's switch" }, hosts: { lab: { changed: false } } }));
    const end = finishRollout(state);
    expect(end).toMatchObject({ outcome: 'stopped', stoppedAfterBatch: 1 });
    expect(end.hosts.map((h) => [h.name, h.status, h.failure?.message])).toEqual([['lab', 'failed', 'Ansible ended before this host finished.'], ['lab2', 'not-run', undefined]]);
  });
});
