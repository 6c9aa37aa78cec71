import { describe, expect, it } from 'vitest';
import { flagValue, parseDaemonJson, planDaemonJson, settingState, type DaemonHardening, type DaemonRuntime } from './daemon-json';

const DEFAULTS: DaemonHardening = { noNewPrivileges: true, disableIcc: true, liveRestore: true, disableUserlandProxy: true, limitLogs: true, usernsRemap: false };
// dockerd as Debian 12's docker.service starts it (recorded from /proc/PID/cmdline on the lab VM).
const DEBIAN_ARGV = ['/usr/sbin/dockerd', '-H', 'fd://', '--containerd=/run/containerd/containerd.sock'];
const RT: DaemonRuntime = { flags: DEBIAN_ARGV, swarmActive: false, loggingDriver: 'json-file' };

const statusOf = (p: ReturnType<typeof planDaemonJson>) => Object.fromEntries(p.decisions.map((d) => [d.key, d.status]));

describe('planDaemonJson', () => {
  it('creates the file when there is none', () => {
    const p = planDaemonJson(null, DEFAULTS, RT);
    expect(JSON.parse(p.after!)).toEqual({ 'no-new-privileges': true, icc: false, 'live-restore': true, 'userland-proxy': false, 'log-opts': { 'max-size': '10m', 'max-file': '3' } });
    expect(p.after!.endsWith('}\n')).toBe(true);
    expect(statusOf(p)).toEqual({ 'no-new-privileges': 'set', icc: 'set', 'live-restore': 'set', 'userland-proxy': 'set', 'log-opts': 'set' });
  });

  it('keeps unknown keys and their order, merges log-opts, and is idempotent', () => {
    const before = JSON.stringify({ 'data-root': '/srv/docker', 'registry-mirrors': ['https://mirror.example'], icc: true, 'log-opts': { labels: 'app', 'max-file': '5' } }, null, 4);
    const p = planDaemonJson(before, DEFAULTS, RT);
    const after = JSON.parse(p.after!);
    expect(Object.keys(after)).toEqual(['data-root', 'registry-mirrors', 'icc', 'log-opts', 'no-new-privileges', 'live-restore', 'userland-proxy']);
    expect(after['data-root']).toBe('/srv/docker');
    expect(after.icc).toBe(false);
    expect(after['log-opts']).toEqual({ labels: 'app', 'max-file': '5', 'max-size': '10m' });
    expect(p.decisions.find((d) => d.key === 'icc')!.reason).toBe('was true');
    const again = planDaemonJson(p.after, DEFAULTS, RT);
    expect(again.after).toBeNull();
    expect(new Set(again.decisions.map((d) => d.status))).toEqual(new Set(['already']));
  });

  it('leaves an existing log size limit alone', () => {
    const p = planDaemonJson('{"log-opts":{"max-size":"100m"}}', { ...DEFAULTS, noNewPrivileges: false, disableIcc: false, liveRestore: false, disableUserlandProxy: false }, RT);
    expect(p.after).toBeNull();
    expect(statusOf(p)).toEqual({ 'log-opts': 'already' });
  });

  it('never repeats a command-line flag in the file (dockerd would refuse to start)', () => {
    const p = planDaemonJson(null, DEFAULTS, { ...RT, flags: [...DEBIAN_ARGV, '--icc=false', '--no-new-privileges=false', '--log-opt', 'max-size=50m'] });
    const after = JSON.parse(p.after!);
    expect(after).not.toHaveProperty('icc');
    expect(after).not.toHaveProperty('no-new-privileges');
    expect(after).not.toHaveProperty('log-opts');
    expect(statusOf(p)).toMatchObject({ icc: 'already', 'no-new-privileges': 'skipped', 'log-opts': 'already' });
    expect(p.decisions.find((d) => d.key === 'no-new-privileges')!.reason).toMatch(/command line/);
  });

  it('skips live-restore in swarm mode and log limits for drivers that do not write local files', () => {
    const p = planDaemonJson('{"log-driver":"journald"}', DEFAULTS, { ...RT, swarmActive: true });
    expect(statusOf(p)).toMatchObject({ 'live-restore': 'skipped', 'log-opts': 'skipped' });
    expect(JSON.parse(p.after!)).toEqual({ 'log-driver': 'journald', 'no-new-privileges': true, icc: false, 'userland-proxy': false });
    const viaFlag = planDaemonJson(null, { ...DEFAULTS, noNewPrivileges: false, disableIcc: false, liveRestore: false, disableUserlandProxy: false }, { ...RT, loggingDriver: 'syslog' });
    expect(statusOf(viaFlag)).toEqual({ 'log-opts': 'skipped' });
    expect(viaFlag.after).toBeNull();
  });

  it('adds userns-remap only when asked, and accepts a custom mapping already there', () => {
    expect(JSON.parse(planDaemonJson(null, { ...DEFAULTS, usernsRemap: true }, RT).after!)['userns-remap']).toBe('default');
    expect(JSON.parse(planDaemonJson(null, DEFAULTS, RT).after!)).not.toHaveProperty('userns-remap');
    const custom = planDaemonJson('{"userns-remap":"builder:builder"}', { ...DEFAULTS, usernsRemap: true }, RT);
    expect(custom.decisions.find((d) => d.key === 'userns-remap')).toMatchObject({ status: 'already', value: 'builder:builder' });
  });

  it('refuses to merge into a file that is not a JSON object', () => {
    expect(planDaemonJson('{ "icc": false, }', DEFAULTS, RT)).toMatchObject({ after: null, error: expect.stringMatching(/not valid JSON/) });
    expect(planDaemonJson('[1]', DEFAULTS, RT).error).toMatch(/not a JSON object/);
    expect(parseDaemonJson('   \n')).toEqual({ ok: true, value: {} });
  });
});

describe('flags and effective settings', () => {
  it('reads Go-style flags', () => {
    expect(flagValue(['dockerd', '--live-restore'], 'live-restore', false)).toBe(true);
    expect(flagValue(['dockerd', '--icc=false'], 'icc', false)).toBe('false');
    expect(flagValue(['dockerd', '--userns-remap', 'default'], 'userns-remap', true)).toBe('default');
    expect(flagValue(['dockerd', '--userns-remap=u:g'], 'userns-remap', true)).toBe('u:g');
    expect(flagValue(DEBIAN_ARGV, 'icc', false)).toBeUndefined();
  });
  it('says where a value comes from', () => {
    expect(settingState({}, DEBIAN_ARGV, 'icc')).toEqual({ value: true, source: 'default' });
    expect(settingState({ icc: false }, DEBIAN_ARGV, 'icc')).toEqual({ value: false, source: 'daemon.json' });
    expect(settingState({ icc: true }, ['dockerd', '--icc=false'], 'icc')).toEqual({ value: false, source: 'flag' });
    expect(settingState({}, ['dockerd', '--log-opt', 'max-size=1m'], 'log-opts')).toEqual({ value: { 'max-size': '1m' }, source: 'flag' });
  });
});
