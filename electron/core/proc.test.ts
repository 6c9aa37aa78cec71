import { describe, expect, it } from 'vitest';
import { run, which } from './proc';

describe('run', () => {
  it('passes argv literally and feeds stdin', async () => {
    const r = await run('sh', ['-c', 'printf "%s|" "$@"; cat', 'sh', 'a b', '$(id)', "it's"], { input: 'in' });
    expect(r).toMatchObject({ code: 0, stdout: "a b|$(id)|it's|in", timedOut: false });
  });

  it('decodes a multi-byte character split across chunks', async () => {
    // printf writes the 3 bytes of ✓ in two writes with a pause between.
    const r = await run('sh', ['-c', "printf '\\342'; sleep 0.2; printf '\\234\\223\\n'"]);
    expect(r.stdout).toBe('✓\n');
  });

  it('stops at the timeout even when a grandchild holds the pipes', async () => {
    const t0 = Date.now();
    const r = await run('sh', ['-c', 'sleep 30 & sleep 30'], { timeoutMs: 300 });
    expect(r.timedOut).toBe(true);
    expect(Date.now() - t0).toBeLessThan(3000);
  });

  it('reports a missing program as DRIVER_MISSING', async () => {
    await expect(run('no-such-program-hl', [])).rejects.toMatchObject({ code: 'DRIVER_MISSING' });
  });

  it('caps output', async () => {
    const r = await run('sh', ['-c', 'head -c 100000 /dev/zero'], { maxOutputBytes: 1000 });
    expect(r.stdout.length).toBe(1000);
    expect(r.truncated).toBe(true);
  });

  it('finds programs on PATH', () => {
    expect(which('sh')).toMatch(/\/sh$/);
    expect(which('no-such-program-hl')).toBeNull();
  });
});
