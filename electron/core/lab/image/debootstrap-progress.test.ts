import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DebootstrapProgress, LineSplitter } from './debootstrap-progress';

describe('DebootstrapProgress on a recorded debootstrap of the lab recipe', () => {
  const lines = readFileSync(join(__dirname, 'fixtures', 'debootstrap-bookworm-minbase.log'), 'utf8').split('\n');

  it('only ever moves forward, ends at 100, and reports every stage', () => {
    const p = new DebootstrapProgress();
    const updates = lines.map((l) => p.feed(l)).filter((u) => u !== null);
    const percents = updates.map((u) => u.percent);
    for (let i = 1; i < percents.length; i++) expect(percents[i]!).toBeGreaterThanOrEqual(percents[i - 1]!);
    expect(percents.at(-1)).toBe(100);
    expect(updates.at(-1)?.message).toBe('Base system installed successfully.');
    const at = (text: string) => updates.find((u) => u.message.startsWith(text))!.percent;
    expect(at('Resolving dependencies')).toBeGreaterThanOrEqual(3);
    expect(at('Extracting')).toBeGreaterThanOrEqual(22);
    expect(at('Installing core packages')).toBeGreaterThanOrEqual(27);
    expect(at('Unpacking the base system')).toBeGreaterThanOrEqual(42);
    expect(at('Configuring initramfs-tools')).toBeLessThan(100);
  });

  it('passes warnings and errors through without moving the bar', () => {
    const p = new DebootstrapProgress();
    p.feed('I: Resolving dependencies of required packages...');
    const before = p.feed('I: Resolving dependencies of base packages...')!.percent;
    expect(p.feed('W: Failure trying to run: chroot "/x" mount -t proc proc /proc')).toEqual({ message: 'Failure trying to run: chroot "/x" mount -t proc proc /proc', percent: before });
    expect(p.feed('dpkg: warning: something')).toBeNull();
  });
});

describe('LineSplitter', () => {
  it('joins lines split across chunks and keeps the remainder', () => {
    const s = new LineSplitter();
    expect(s.push('I: Retr')).toEqual([]);
    expect(s.push('ieving Packages\nI: Val')).toEqual(['I: Retrieving Packages']);
    expect(s.push('idating\r\nx')).toEqual(['I: Validating']);
    expect(s.flush()).toEqual(['x']);
    expect(s.flush()).toEqual([]);
  });
});
