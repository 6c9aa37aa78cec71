import { ESLint } from 'eslint';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

// The layering rule is only worth something if it fails on a violation: lint
// probe code placed (virtually) in each layer and expect the rule to fire.
const root = resolve(__dirname, '..');
const eslint = new ESLint({ cwd: root });

async function violations(file: string, code: string): Promise<number> {
  const [result] = await eslint.lintText(code, { filePath: resolve(root, file) });
  return (result?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-imports').length;
}

describe('layering rule', () => {
  it('keeps Node and Electron out of shared/', async () => {
    expect(await violations('shared/probe.ts', "import { readFileSync } from 'node:fs';\nexport const a = readFileSync;\n")).toBeGreaterThan(0);
    expect(await violations('shared/probe.ts', "import fs from 'fs';\nexport const a = fs;\n")).toBeGreaterThan(0);
    expect(await violations('shared/probe.ts', "import { app } from 'electron';\nexport const a = app;\n")).toBeGreaterThan(0);
    expect(await violations('shared/probe.ts', "import { run } from '../electron/core/proc';\nexport const a = run;\n")).toBeGreaterThan(0);
    expect(await violations('shared/probe.ts', "import { z } from 'zod';\nexport const a = z;\n")).toBe(0);
  });
  it('keeps Node, Electron and the core out of renderer/', async () => {
    expect(await violations('renderer/src/probe.ts', "import os from 'node:os';\nexport const a = os;\n")).toBeGreaterThan(0);
    expect(await violations('renderer/src/probe.ts', "import { ipcRenderer } from 'electron';\nexport const a = ipcRenderer;\n")).toBeGreaterThan(0);
    expect(await violations('renderer/src/probe.ts', "import { run } from '../../electron/core/proc';\nexport const a = run;\n")).toBeGreaterThan(0);
    expect(await violations('renderer/src/probe.ts', "import { contract } from '../../shared/contract';\nexport const a = contract;\n")).toBe(0);
  });
  it('keeps electron out of electron/core', async () => {
    expect(await violations('electron/core/probe.ts', "import { app } from 'electron';\nexport const a = app;\n")).toBeGreaterThan(0);
    expect(await violations('electron/core/probe.ts', "import { x } from '../main/security';\nexport const a = x;\n")).toBeGreaterThan(0);
    expect(await violations('electron/core/probe.ts', "import { readFileSync } from 'node:fs';\nexport const a = readFileSync;\n")).toBe(0);
  });
  it('keeps the preload a thin bridge', async () => {
    expect(await violations('electron/preload/probe.ts', "import { createCore } from '../core/api/core';\nexport const a = createCore;\n")).toBeGreaterThan(0);
    expect(await violations('electron/preload/probe.ts', "import fs from 'node:fs';\nexport const a = fs;\n")).toBeGreaterThan(0);
  });
});
