import { join } from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

/**
 * The core's inner layering rules in eslint.config.js fire on a forbidden
 * import and stay quiet on an allowed one. Only the text is linted (no type
 * information), so this runs in about a second.
 */
const root = join(__dirname, '..', '..');
const eslint = new ESLint({ cwd: root });

async function restrictedImports(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: join(root, filePath) });
  return (result?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

describe('core layering rules', () => {
  const hypervisorFile = 'electron/core/hypervisor/qemu/made-up.ts';
  it.each(['../../lab/index', '../../lab', '../../api/core', '../../engine/engine', '../../steps/ssh/step'])('hypervisor/ may not import %s', async (from) => {
    const messages = await restrictedImports(hypervisorFile, `import { x } from '${from}';\nvoid x;\n`);
    expect(messages).toHaveLength(1);
    expect(messages[0]).toContain('A hypervisor driver stands alone');
  });

  it('hypervisor/ may not re-export from lab/ either', async () => {
    expect(await restrictedImports(hypervisorFile, "export { labUp } from '../../lab/index';\n")).toHaveLength(1);
  });

  it('hypervisor/ may import its own kind and the core helpers', async () => {
    const code = "import type { VmState } from '../types';\nimport { HardenLabError } from '../../errors';\nexport type X = VmState;\nvoid HardenLabError;\n";
    expect(await restrictedImports(hypervisorFile, code)).toEqual([]);
  });

  it('hypervisor/ still obeys the core-wide rule', async () => {
    const messages = await restrictedImports(hypervisorFile, "import { app } from 'electron';\nvoid app;\n");
    expect(messages).toHaveLength(1);
  });

  const engineFile = 'electron/core/engine/made-up.ts';
  it('engine/ may not import api/', async () => {
    const messages = await restrictedImports(engineFile, "import { EventBus } from '../api/events';\nvoid EventBus;\n");
    expect(messages).toHaveLength(1);
    expect(messages[0]).toContain('The engine does not know its door');
  });

  it('engine/ may import the hypervisor types and steps', async () => {
    const code = "import type { HypervisorDriver } from '../hypervisor/types';\nexport type X = HypervisorDriver;\n";
    expect(await restrictedImports(engineFile, code)).toEqual([]);
  });

  it('lab/ may use the hypervisor driver', async () => {
    const code = "import { startInstance } from '../hypervisor/qemu/instance/boot';\nvoid startInstance;\n";
    expect(await restrictedImports('electron/core/lab/made-up.ts', code)).toEqual([]);
  });
});
