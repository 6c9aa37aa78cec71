/**
 * The whole app against ONE real lab VM, created through the UI: first run ->
 * lab VM (QEMU, booting under TCG here) -> dashboard -> host-key prompt on a
 * second, manual connection -> baseline snapshot and the safety-net demo that
 * the engine reverts by itself -> the walkthrough (ssh and sysctl applied,
 * slow pages skipped) with plan, diff, apply and result -> one-click revert ->
 * journal -> a terminal tab. The tests run in order on one page (walkthrough
 * progress lives in its localStorage) and one server with its own home; the
 * lab VM is destroyed at the end whatever happened.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Locator, Page } from '@playwright/test';
import { expect, expectCleanPage, launchApp, root, screenshot, startServer, test, type PageProblems, type ServeHandle } from './fixtures';

const LAB = 'e2elab';
// Generous on purpose: another lab VM may be running on this 2-core machine, and TCG is slow.
const BOOT_MS = 8 * 60_000;
// An apply with the reboot proof reboots the VM: two to five minutes more under TCG on a loaded machine (5.5 min seen).
const APPLY_MS = 10 * 60_000;

let server: ServeHandle;
let browser: Browser;
let app: Page;
let problems: PageProblems;
let labPort = '';
let fingerprint = '';

test.describe.configure({ mode: 'serial' });

test.beforeAll(async () => {
  server = await startServer('hl-e2e-lab-');
  ({ browser, page: app, problems } = await launchApp(server.url));
});

test.afterAll(async () => {
  test.setTimeout(5 * 60_000);
  await browser?.close();
  // Through the CLI on the same home: no qemu process may outlive the run.
  if (server) {
    await runCli(['lab', 'destroy', '--name', LAB, '--yes'], server.home).catch((e: unknown) => console.error(String(e)));
    await server.stop();
  }
});

function runCli(args: string[], home: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(root, 'electron', 'cli', 'hardenlab.mjs'), ...args], { cwd: root, env: { ...process.env, HARDENLAB_HOME: home }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c) => (out += String(c)));
    child.stderr.on('data', (c) => (err += String(c)));
    child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`hardenlab ${args.join(' ')} exited with ${code}: ${err}`))));
  });
}

async function disconnectActive(): Promise<void> {
  await app.getByRole('banner').getByRole('button', { name: 'Disconnect' }).click();
  await expect(connectionStatus('Not connected')).toBeVisible({ timeout: 30_000 });
}

/**
 * A first connect runs the audit; a Disconnect in the middle of it, then an
 * immediate Connect, fails in the core (reported). Let it finish first.
 */
async function settleAfterConnect(): Promise<void> {
  await expect(app.getByRole('banner').getByRole('status', { name: 'Connection: Connected' })).toBeVisible();
  await app.waitForTimeout(8_000);
}

const connectionStatus = (name: string) => app.getByRole('banner').getByRole('status', { name: `Connection: ${name}` });

/** Plans a step inside `scope` (a step section or the step detail) and waits for its preview. */
async function planStep(scope: Locator, title: string): Promise<void> {
  await scope.getByRole('button', { name: `Plan: ${title}` }).click();
  await expect(scope.getByRole('region', { name: 'Plan preview' }).first()).toBeVisible({ timeout: APPLY_MS });
}

/** Applies the planned step, confirming its risk in the dialog that names it, and waits for the result card. */
async function applyStep(scope: Locator, title: string, risk: RegExp | null): Promise<Locator> {
  await scope.getByRole('button', { name: `Apply: ${title}` }).click();
  if (risk) {
    const dialog = app.getByRole('alertdialog', { name: `Apply “${title}”?` });
    await expect(dialog).toBeVisible();
    await expect(dialog).toContainText(risk);
    await dialog.getByRole('button', { name: 'Apply anyway' }).click();
  }
  const progress = scope.getByRole('region', { name: 'Apply progress' });
  await expect(progress).toBeVisible();
  const result = scope.getByRole('region', { name: 'Result' });
  await expect(result).toBeVisible({ timeout: APPLY_MS });
  return result;
}

test('first run creates the lab VM with visible progress and lands on its dashboard', async () => {
  test.setTimeout(BOOT_MS + 60_000);
  await expect(app.getByRole('heading', { level: 1, name: 'Welcome to Harden Lab' })).toBeVisible();
  await app.getByRole('button', { name: /Create a disposable lab VM/ }).click();
  await app.getByLabel('Connection name').fill(LAB);
  await app.getByRole('button', { name: 'Create the lab VM' }).click();
  // Progress while it boots: the phase, its log and the elapsed time.
  await expect(app.getByRole('heading', { level: 2, name: `Creating the lab VM “${LAB}”` })).toBeVisible();
  await expect(app.getByText(/Booting lab VM|Waiting for SSH/).first()).toBeVisible({ timeout: 120_000 });
  await screenshot(app, 'lab-progress');

  // The lab's host key was recorded when it was built: it is trusted without a prompt.
  await expect(connectionStatus('Connected')).toBeVisible({ timeout: BOOT_MS });
  await expect(app.getByRole('heading', { level: 1, name: LAB })).toBeVisible();
  const system = app.getByRole('article', { name: 'System' });
  await expect(system).toContainText('Debian GNU/Linux 12');
  await expect(system).toContainText(/6\.1\.0-\d+-cloud-amd64/);
  fingerprint = (await system.getByText(/^SHA256:/).textContent())!.trim();
  expect(fingerprint).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
  const vm = app.getByRole('article', { name: 'Virtual machine' });
  await expect(vm).toContainText('QEMU');
  await expect(vm).toContainText('running');
  await expect(app.getByRole('article', { name: 'Snapshot' })).toContainText('No snapshot yet');
  const forward = (await vm.getByText(/^127\.0\.0\.1:\d+$/).textContent())!;
  labPort = forward.split(':')[1]!;
  // The first audit runs by itself once connected: its score is on the dashboard.
  await expect(app.getByRole('article', { name: 'Audit' })).toContainText(/\d+ of \d+ checks pass/, { timeout: 180_000 });
  for (const dismiss of await app.getByRole('button', { name: 'Dismiss' }).all()) await dismiss.click();
  await screenshot(app, 'dashboard');
  await expectCleanPage(app, problems);
});

test('walkthrough page 1: the baseline snapshot, and the safety-net demo reverted by itself', async () => {
  test.setTimeout(APPLY_MS + 3 * 60_000);
  await app.keyboard.press('Alt+2');
  await expect(app.getByRole('heading', { level: 1, name: 'Guided walkthrough' })).toBeVisible();
  const page1 = app.getByRole('article', { name: 'Sandbox and baseline snapshot' });
  await page1.getByRole('button', { name: 'Take the baseline snapshot' }).click();
  await expect(page1.getByText(/The baseline “baseline” exists/)).toBeVisible({ timeout: 120_000 });
  await expect(app.getByRole('button', { name: /Sandbox and baseline snapshot \(done\)/ })).toBeVisible();
  await screenshot(app, 'walkthrough-sandbox');

  const demo = page1.getByRole('region', { name: 'Safety net demo' });
  await planStep(demo, 'Safety net demo: lock everyone out');
  await expect(demo.getByRole('article', { name: 'Changes to /etc/ssh/sshd_config.d/00-hardenlab.conf' })).toContainText('AllowUsers nobody');
  const result = await applyStep(demo, 'Safety net demo: lock everyone out', /Could lock you out/);
  await expect(result).toContainText('Reverted: the change did not hold');
  await expect(result).toContainText('safety net demo');
  await expect(result.getByRole('list', { name: 'Failed checks' })).toContainText('fresh key login');
  await expect(result).toContainText(/The VM was restored to the snapshot “hl-ssh-lockout-[^”]+”/);
  await expect(demo.getByRole('region', { name: 'Apply progress' }).getByRole('list', { name: 'Transaction phases' })).toContainText('Revert');
  await result.scrollIntoViewIfNeeded();
  await screenshot(app, 'result-reverted');
  // The VM answers again after the restore.
  await expect(connectionStatus('Connected')).toBeVisible({ timeout: 120_000 });
  await expectCleanPage(app, problems);
});

test('walkthrough: skip the kernel, plan SSH, see the diff both ways, apply, and read what was proved', async () => {
  test.setTimeout(APPLY_MS + 3 * 60_000);
  await app.getByRole('button', { name: 'Next page' }).click();
  const kernel = app.getByRole('article', { name: 'Run the latest kernel' });
  await expect(kernel).toBeVisible();
  await screenshot(app, 'walkthrough-kernel');
  // A kernel upgrade under TCG takes several minutes and a reboot: skipped here (the kernel step has its own integration test).
  await kernel.getByRole('button', { name: 'Skip for now' }).click();

  const sshPage = app.getByRole('article', { name: 'No root login, SSH keys only' });
  await expect(sshPage).toBeVisible();
  const ssh = sshPage.getByRole('region', { name: 'Step: No root login, key-only SSH' });
  await planStep(ssh, 'No root login, key-only SSH');
  const diff = ssh.getByRole('article', { name: 'Changes to /etc/ssh/sshd_config.d/00-hardenlab.conf' });
  await expect(diff).toContainText('PasswordAuthentication no');
  await expect(diff).toContainText('PermitRootLogin no');
  await ssh.getByRole('button', { name: 'Unified' }).click();
  await expect(diff.locator('table.diff-unified')).toBeVisible();
  await diff.scrollIntoViewIfNeeded();
  await screenshot(app, 'plan-diff-unified');
  await ssh.getByRole('button', { name: 'Side by side' }).click();
  await expect(ssh.getByRole('button', { name: 'Side by side' })).toHaveAttribute('aria-pressed', 'true');
  await expect(diff.locator('table.diff-split')).toBeVisible();
  await screenshot(app, 'plan-diff-split');
  await ssh.getByRole('button', { name: 'Unified' }).click();

  await ssh.getByRole('button', { name: 'Apply: No root login, key-only SSH' }).click();
  const confirm = app.getByRole('alertdialog', { name: 'Apply “No root login, key-only SSH”?' });
  await expect(confirm).toContainText('Could lock you out');
  await confirm.getByRole('button', { name: 'Apply anyway' }).click();
  const progress = ssh.getByRole('region', { name: 'Apply progress' });
  await expect(progress).toBeVisible();
  await expect(progress.locator('[aria-current="step"]')).toBeVisible({ timeout: 60_000 });
  await progress.scrollIntoViewIfNeeded();
  await screenshot(app, 'apply-progress');
  const result = ssh.getByRole('region', { name: 'Result' });
  await expect(result).toBeVisible({ timeout: APPLY_MS });
  await expect(result).toContainText('Applied and verified');
  const proved = result.getByRole('list', { name: 'Verification checks' });
  await expect(proved).toContainText('The server no longer offers password logins');
  await expect(proved).toContainText('A fresh key login of lab with elevation still works');
  await expect(result).toContainText('Created /etc/ssh/sshd_config.d/00-hardenlab.conf');
  await result.scrollIntoViewIfNeeded();
  await screenshot(app, 'result-verified');
  await expectCleanPage(app, problems);
});

test('walkthrough: skip the slow pages, look at the loaded modules, apply the sysctls, finish', async () => {
  test.setTimeout(APPLY_MS + 4 * 60_000);
  const sshPage = app.getByRole('article', { name: 'No root login, SSH keys only' });
  // The root-account step shares this page; the SSH step is what this run proves.
  await sshPage.getByRole('button', { name: 'Mark done and continue' }).click();

  const scan = app.getByRole('article', { name: 'Scan the container host' });
  await expect(scan).toBeVisible();
  await screenshot(app, 'walkthrough-scan');
  // Installs docker.io (about 8 minutes under TCG): skipped; the containers step has its own integration test.
  await scan.getByRole('button', { name: 'Skip for now' }).click();
  const privileged = app.getByRole('article', { name: 'No privileged containers' });
  await expect(privileged).toBeVisible();
  await privileged.getByRole('button', { name: 'Skip for now' }).click();

  const modules = app.getByRole('article', { name: 'A minimal set of kernel modules' });
  await expect(modules).toBeVisible();
  const loaded = modules.getByRole('region', { name: 'Loaded kernel modules' });
  await loaded.getByRole('button', { name: 'Show loaded modules' }).click();
  const table = loaded.getByRole('table');
  await expect(table).toBeVisible({ timeout: 120_000 });
  await expect(table.getByText('in use').first()).toBeVisible();
  await expect(table.getByText('needed by containers').first()).toBeVisible();
  await expect(loaded).toContainText(/\d+ modules loaded · \d+ in use · \d+ needed by containers/);
  // Options come from the step's own description (StepInfo.options).
  await expect(modules.getByRole('checkbox', { name: 'Unload them now' })).toBeChecked();
  await expect(modules.getByRole('checkbox', { name: 'Disable module loading until reboot' })).not.toBeChecked();
  await loaded.scrollIntoViewIfNeeded();
  await screenshot(app, 'walkthrough-modules');
  // update-initramfs under TCG takes about 7 minutes: skipped; the modules step has its own integration test.
  await modules.getByRole('button', { name: 'Skip for now' }).click();

  const lsm = app.getByRole('article', { name: 'Kernel hardening frameworks' });
  await expect(lsm).toBeVisible();
  const sysctl = lsm.getByRole('region', { name: 'Step: Kernel hardening sysctls' });
  await planStep(sysctl, 'Kernel hardening sysctls');
  await expect(sysctl.getByRole('article', { name: /^Changes to \/etc\/sysctl\.d\// })).toContainText('kernel.kptr_restrict');
  const risky = await sysctl.getByText('You will be asked to confirm').count();
  const result = await applyStep(sysctl, 'Kernel hardening sysctls', risky > 0 ? /./ : null);
  await expect(result).toContainText('Applied and verified');
  await expect(result.getByRole('list', { name: 'Verification checks' })).toContainText('kernel.kptr_restrict');
  // The reboot proof is on by default for sysctl (its values live in a file read at boot): the VM really rebooted.
  await expect(result.getByRole('group', { name: 'Reboot proof' })).toContainText('The change survived a reboot');
  await expect(result.getByRole('group', { name: 'Reboot proof' })).toContainText('(a real reboot)');
  await expect(result.getByRole('table', { name: 'Canaries before and after' })).toContainText('ssh-login');
  await result.scrollIntoViewIfNeeded();
  await screenshot(app, 'walkthrough-sysctl-result');
  await lsm.getByRole('button', { name: /Mark done and continue|Next page/ }).click();

  const isolation = app.getByRole('article', { name: 'Keep up with stronger isolation' });
  await expect(isolation).toBeVisible();
  await screenshot(app, 'walkthrough-isolation');
  await isolation.getByRole('button', { name: 'Mark as read' }).click();
  await expect(app.getByText(/\d of 8 pages done · 4 skipped/)).toBeVisible();
  for (const done of ['Sandbox and baseline snapshot', 'No root login, SSH keys only', 'Kernel hardening frameworks', 'Keep up with stronger isolation']) {
    await expect(app.getByRole('navigation', { name: 'Walkthrough pages' }).getByRole('button', { name: `${done} (done)` })).toBeVisible();
  }
  await expectCleanPage(app, problems);
});

test('one-click revert from the toolbar names what will be lost, restores, and reconnects; Ctrl+Shift+Z opens it too', async () => {
  test.setTimeout(4 * 60_000);
  await app.keyboard.press('Alt+4');
  await expect(app.getByRole('heading', { level: 1, name: 'Snapshots' })).toBeVisible();
  await expect(app.getByText('baseline', { exact: true })).toBeVisible({ timeout: 30_000 });
  await screenshot(app, 'snapshots');

  await app.getByRole('banner').getByRole('button', { name: 'Revert…' }).click();
  const dialog = app.getByRole('dialog', { name: `Revert ${LAB}` });
  await expect(dialog).toBeVisible();
  await dialog.getByRole('radio', { name: /^baseline/ }).check();
  await expect(dialog.getByRole('note')).toContainText('Changes made after “baseline”');
  const lost = dialog.getByRole('list', { name: 'Changes that will be lost' });
  await expect(lost).toContainText('No root login, key-only SSH');
  await expect(lost).toContainText('Kernel hardening sysctls');
  await screenshot(app, 'revert-dialog');
  await dialog.getByRole('button', { name: 'Revert to “baseline”' }).click();
  await expect(dialog.getByText('The VM is back at “baseline”.')).toBeVisible({ timeout: 180_000 });
  await expect(dialog).toContainText('SSH reconnected.');
  await screenshot(app, 'revert-done');
  await dialog.getByRole('button', { name: 'Close', exact: true }).click();
  await expect(connectionStatus('Connected')).toBeVisible({ timeout: 60_000 });

  await app.keyboard.press('Control+Shift+Z');
  await expect(dialog).toBeVisible();
  await expect(dialog.getByRole('radio', { name: /^baseline/ })).toBeVisible();
  await app.keyboard.press('Escape');
  await expect(dialog).toBeHidden();

  // Proof that the revert happened on the VM: the SSH step is back to "not in place" after a new plan.
  await app.keyboard.press('Alt+3');
  await app.getByRole('button', { name: /No root login, key-only SSH/ }).first().click();
  const detail = app.getByRole('article').filter({ has: app.getByRole('heading', { level: 2, name: 'No root login, key-only SSH' }) });
  const planAgain = detail.getByRole('button', { name: /^(Plan|Plan again): No root login, key-only SSH$/ });
  await planAgain.click();
  await expect(detail.getByRole('article', { name: 'Changes to /etc/ssh/sshd_config.d/00-hardenlab.conf' })).toContainText('new file', { timeout: APPLY_MS });
  await expectCleanPage(app, problems);
});

test('a canary added in the UI breaks under the sysctls: the before/after table names it and the VM is reverted by itself', async () => {
  test.setTimeout(APPLY_MS + 3 * 60_000);
  await app.keyboard.press('Alt+9');
  await expect(app.getByRole('heading', { level: 1, name: 'Canaries' })).toBeVisible();
  await expect(app.getByRole('table', { name: 'Canaries' })).toContainText('ssh-login');
  await app.getByRole('button', { name: 'Add canary' }).click();
  const form = app.getByRole('form', { name: 'Add a canary' });
  // A hostile name is refused by the core with its reason, and nothing is added.
  await form.getByLabel('Name', { exact: true }).fill('agent; reboot');
  await form.getByLabel('Command, one argument per line').fill('true');
  await form.getByRole('button', { name: 'Add canary' }).click();
  await expect(form.getByRole('alert')).toContainText('is not a valid canary name');
  // A root monitoring agent that resolves kernel symbols: real addresses only while kernel.kptr_restrict = 0.
  await form.getByLabel('Name', { exact: true }).fill('kallsyms-agent');
  await form.getByLabel('Command, one argument per line').fill(`sh\n-c\nawk '$3 == "_text" {print $1}' /proc/kallsyms | grep -q '[1-9a-f]'`);
  await form.getByLabel('Run as root (sudo or doas), not as the login user').check();
  await form.getByRole('button', { name: 'Add canary' }).click();
  await expect(form).toBeHidden();
  const list = app.getByRole('table', { name: 'Canaries' });
  await expect(list).toContainText('kallsyms-agent');
  await app.getByRole('button', { name: 'Run now' }).click();
  await expect(list.getByRole('row', { name: /kallsyms-agent/ })).toContainText('pass', { timeout: 60_000 });

  await app.keyboard.press('Alt+3');
  await app.getByRole('button', { name: /Kernel hardening sysctls/ }).first().click();
  const detail = app.getByRole('article').filter({ has: app.getByRole('heading', { level: 2, name: 'Kernel hardening sysctls' }) });
  await detail.getByRole('button', { name: /^(Plan|Plan again): Kernel hardening sysctls$/ }).click();
  await expect(detail.getByRole('region', { name: 'Plan preview' }).first()).toBeVisible({ timeout: APPLY_MS });
  await expect(detail.getByLabel('Canaries that will run')).toContainText('kallsyms-agent');
  await expect(detail.getByRole('checkbox', { name: /Prove it survives a reboot/ })).toBeChecked();
  const risky = await detail.getByText('You will be asked to confirm').count();
  const result = await applyStep(detail, 'Kernel hardening sysctls', risky > 0 ? /./ : null);
  await expect(result).toContainText('Reverted: the change did not hold');
  const table = result.getByRole('table', { name: 'Canaries before and after' });
  const row = table.getByRole('row', { name: /kallsyms-agent/ });
  await expect(row).toContainText('broke');
  await expect(row).toContainText('exit 0');
  await expect(row).toContainText('exit 1');
  await expect(result).toContainText('What was restored');
  await table.scrollIntoViewIfNeeded();
  await screenshot(app, 'canaries-before-after');

  // Remove it again, so what follows runs with the built-in canary only.
  await app.keyboard.press('Alt+9');
  await app.getByRole('button', { name: 'Remove kallsyms-agent' }).click();
  await app.getByRole('alertdialog', { name: 'Remove the canary “kallsyms-agent”?' }).getByRole('button', { name: 'Remove' }).click();
  await expect(app.getByRole('table', { name: 'Canaries' })).not.toContainText('kallsyms-agent');
  await expectCleanPage(app, problems);
});

test('trials: import a policy, see the combined preview, run it, find the culprit, run it without, and compare two trials', async () => {
  test.setTimeout(40 * 60_000);
  // A rootless tool as the lab user: it needs unprivileged user namespaces.
  await runCli(['canary', 'add', 'rootless-tool', '--profile', LAB, '--', 'unshare', '--user', '--map-root-user', 'true'], server.home);
  await app.keyboard.press('Alt+0');
  await expect(app.getByRole('heading', { level: 1, name: 'Trials' })).toBeVisible();
  await expect(app.getByRole('navigation', { name: 'Policies' })).toContainText('KSPP');

  // A hostile policy file is refused with the reason; nothing is saved.
  const importFile = app.getByLabel('Import a policy file');
  const policy = (settings: string[]) =>
    JSON.stringify({ name: 'e2e-userns', version: 1, title: 'Four sysctls', source: { name: 'e2e' }, steps: [{ step: 'sysctl', settings: settings.map((id) => ({ id })) }] });
  await importFile.setInputFiles({ name: 'evil.json', mimeType: 'application/json', buffer: Buffer.from(policy(['kernel.kptr_restrict;reboot'])) });
  await expect(app.getByRole('alert').filter({ hasText: 'evil.json was not imported' })).toContainText('not a valid setting name');
  await importFile.setInputFiles({
    name: 'four.json',
    mimeType: 'application/json',
    buffer: Buffer.from(policy(['kernel.kptr_restrict', 'kernel.dmesg_restrict', 'kernel.unprivileged_userns_clone', 'fs.protected_fifos'])),
  });
  await expect(app.getByRole('status').filter({ hasText: 'Imported “e2e-userns”.' })).toBeVisible();
  await expect(app.getByRole('heading', { level: 2, name: 'Four sysctls' })).toBeVisible();
  await expect(app.getByText('4 of 4 settings in the next trial.')).toBeVisible();

  const trial = app.getByRole('region', { name: 'Trial' });
  const preview = async () => {
    await trial.getByRole('button', { name: /^Preview the trial( again)?$/ }).click();
    await expect(trial.getByRole('region', { name: 'Trial preview' })).toBeVisible({ timeout: APPLY_MS });
  };
  const runIt = async () => {
    await trial.getByRole('button', { name: 'Run the trial' }).click();
    const confirm = app.getByRole('alertdialog', { name: /^Run the trial of/ });
    if (await confirm.isVisible({ timeout: 2_000 }).catch(() => false)) await confirm.getByRole('button', { name: 'Run anyway' }).click();
    const result = trial.getByRole('region', { name: 'Result' });
    await expect(result).toBeVisible({ timeout: APPLY_MS });
    return result;
  };
  await preview();
  const combined = trial.getByRole('region', { name: 'Trial preview' });
  await expect(combined).toContainText('1 step, 4 settings');
  await expect(combined.getByRole('article', { name: /^Changes to \/etc\/sysctl\.d\// })).toContainText('kernel.unprivileged_userns_clone');
  await expect(combined.getByLabel('Canaries that will run')).toContainText('rootless-tool');
  await screenshot(app, 'trial-preview');
  const failed = await runIt();
  await expect(failed).toContainText('Reverted: the change did not hold');
  await expect(failed.getByRole('table', { name: 'Canaries before and after' }).getByRole('row', { name: /rootless-tool/ })).toContainText('broke');

  const bisection = trial.getByRole('region', { name: 'Bisection' });
  await bisection.getByRole('button', { name: 'Find the culprit' }).click();
  await expect(bisection.getByRole('status')).toContainText('The culprit: sysctl:kernel.unprivileged_userns_clone', { timeout: 3 * APPLY_MS });
  const rounds = bisection.getByRole('table', { name: 'Bisection rounds' }).getByRole('row');
  expect(await rounds.count()).toBeLessThanOrEqual(1 + Math.ceil(Math.log2(4)) + 2);
  await bisection.scrollIntoViewIfNeeded();
  await screenshot(app, 'trial-bisection');

  // The suggestion: the same policy without the culprit, from the same baseline.
  await bisection.getByRole('button', { name: 'Preview the policy without it' }).click();
  await expect(trial.getByRole('region', { name: 'Trial preview' })).toContainText('3 settings', { timeout: APPLY_MS });
  const first = await runIt();
  await expect(first).toContainText('Applied and verified');
  await expect(trial.getByRole('note').filter({ hasText: 'The result is kept as the snapshot' })).toContainText('trial-e2e-userns-');

  // A second trial from the same baseline, tailored: dmesg_restrict switched off as well.
  await app.getByRole('checkbox', { name: 'sysctl:kernel.dmesg_restrict' }).uncheck();
  await preview();
  await expect(trial.getByRole('region', { name: 'Trial preview' })).toContainText('2 settings');
  // The first trial proved its settings across a reboot (on by default for sysctls); this one need not.
  await trial.getByRole('checkbox', { name: /Prove it survives a reboot/ }).uncheck();
  await expect(await runIt()).toContainText('Applied and verified');

  const list = app.getByRole('table', { name: 'Trials' });
  await expect(list.getByRole('row')).toHaveCount(4, { timeout: 30_000 });
  const picks = list.getByRole('checkbox');
  await picks.nth(1).check();
  await picks.nth(0).check();
  await app.getByRole('button', { name: 'Compare 2' }).click();
  const differ = app.getByRole('table', { name: 'Settings that differ' });
  await expect(differ).toContainText('sysctl:kernel.dmesg_restrict');
  await expect(app.getByRole('table', { name: 'Trials side by side' }).getByRole('row', { name: /Audit after/ })).toContainText(/\d+\/\d+ \(\d+%\).*\d+\/\d+ \(\d+%\)/);
  await differ.scrollIntoViewIfNeeded();
  await screenshot(app, 'trial-comparison');
  const [md] = await Promise.all([app.waitForEvent('download'), app.getByRole('button', { name: 'Export Markdown' }).click()]);
  expect(md.suggestedFilename()).toMatch(/trials\.md$/);

  // One click to the other result: the older verified trial's snapshot.
  await list.getByRole('button', { name: /^Switch the VM to trial-e2e-userns-/ }).last().click();
  const dialog = app.getByRole('dialog', { name: `Revert ${LAB}` });
  await dialog.getByRole('button', { name: /^Revert to “trial-e2e-userns-/ }).click();
  await expect(dialog.getByText(/The VM is back at “trial-e2e-userns-/)).toBeVisible({ timeout: 180_000 });
  await dialog.getByRole('button', { name: 'Close', exact: true }).click();
  await expect(connectionStatus('Connected')).toBeVisible({ timeout: 60_000 });
  await runCli(['canary', 'remove', 'rootless-tool', '--profile', LAB], server.home);
  await expectCleanPage(app, problems);
});

test('the journal lists the experiments with their outcomes', async () => {
  await app.keyboard.press('Alt+5');
  await expect(app.getByRole('heading', { level: 1, name: 'Journal' })).toBeVisible();
  const main = app.locator('#main');
  await expect(main).toContainText('Safety net demo: lock everyone out', { timeout: 30_000 });
  await expect(main).toContainText('No root login, key-only SSH');
  await expect(main).toContainText('Kernel hardening sysctls');
  const sshRow = main.getByRole('button', { name: /No root login, key-only SSH\s*verified/ }).first();
  await sshRow.click();
  await expect(sshRow).toHaveAttribute('aria-expanded', 'true');
  await expect(main.getByRole('region', { name: 'Result' }).first()).toContainText('Applied and verified');
  await screenshot(app, 'journal');
  // Export as a report: a real download of the markdown the core wrote.
  const [download] = await Promise.all([app.waitForEvent('download'), main.getByRole('group', { name: 'Export the whole journal' }).getByRole('button', { name: 'Markdown' }).click()]);
  expect(download.suggestedFilename()).toMatch(/\.md$/);
  await expectCleanPage(app, problems);
});

test('roll out: the ssh change planned by Ansible on the lab through an inventory, with its diffs; the rollout asks first', async () => {
  test.setTimeout(5 * 60_000);
  const status = JSON.parse(await runCli(['lab', 'status', '--name', LAB, '--json'], server.home)) as { keyPath: string; port: number; user: string };
  const ssh = ['-i', status.keyPath, '-o', 'IdentitiesOnly=yes', '-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=yes', '-o', `UserKnownHostsFile=${join(server.home, 'labs', LAB, 'known_hosts')}`, '-o', 'GlobalKnownHostsFile=none', '-o', `HostKeyAlias=hardenlab-${LAB}`];
  const inventory = join(server.home, 'fleet-inventory.ini');
  writeFileSync(inventory, `[hardened]\n${LAB} ansible_host=127.0.0.1 ansible_port=${status.port} ansible_user=${status.user} ansible_python_interpreter=/usr/bin/python3 ansible_ssh_common_args='${ssh.join(' ')}'\n`, { mode: 0o600 });
  await app.keyboard.press('Alt+R');
  await expect(app.getByRole('heading', { level: 1, name: 'Roll out' })).toBeVisible();
  const form = app.getByRole('form', { name: 'What to roll out, and where' });
  const picker = form.getByLabel('Proven change');
  const sshOption = await picker.locator('option').filter({ hasText: /^ssh · / }).first().getAttribute('value');
  await picker.selectOption(sshOption!);
  await form.getByLabel('Inventory file (INI or YAML, on this machine)').fill(inventory);
  await expect(form.getByRole('button', { name: 'Roll out…' })).toBeDisabled();
  await form.getByRole('button', { name: 'Plan (check and diff every host)' }).click();
  const plan = app.getByRole('region', { name: 'Plan' });
  await expect(plan.getByRole('heading', { name: 'Plan: done' })).toBeVisible({ timeout: 4 * 60_000 });
  const row = plan.getByRole('table', { name: 'Hosts in the plan' }).getByRole('row', { name: new RegExp(LAB) });
  await expect(row).toContainText(/would change|no change/);
  await screenshot(app, 'rollout-plan');
  await form.getByRole('button', { name: 'Roll out…' }).click();
  const dialog = app.getByRole('alertdialog', { name: 'Roll out to real hosts?' });
  await expect(dialog).toContainText(`goes to ${LAB}`);
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await expect(dialog).toBeHidden();
  await expectCleanPage(app, problems);
});

test('a terminal tab on the lab VM runs echo, and a resize changes stty size', async () => {
  test.setTimeout(3 * 60_000);
  await app.keyboard.press('Alt+6');
  await app.getByRole('button', { name: `Open a terminal on ${LAB}` }).click();
  const panel = app.getByRole('tabpanel');
  const rows = panel.locator('.xterm-rows');
  await expect(rows).toContainText('$', { timeout: 60_000 });
  await panel.locator('.xterm').click();
  await app.keyboard.type('echo hl-e2e-$((6*7)); stty size\n');
  await expect(rows).toContainText('hl-e2e-42', { timeout: 30_000 });
  const sizeOf = async (): Promise<string> => {
    const m = /(\d+ \d+)\s*\n[^\n]*\$\s*$/.exec(await rows.innerText());
    return m?.[1] ?? '';
  };
  await expect.poll(sizeOf, { timeout: 15_000 }).toMatch(/^\d+ \d+$/);
  const before = await sizeOf();
  await screenshot(app, 'terminal');

  await app.setViewportSize({ width: 1000, height: 680 });
  // The resize reaches the PTY after the pane settles (resizes are throttled).
  await app.waitForTimeout(1000);
  await panel.locator('.xterm').click();
  await app.keyboard.type('stty size\n');
  // The last size printed, once it is a size and not the one from before the resize.
  await expect.poll(async () => { const now = await sizeOf(); return /^\d+ \d+$/.test(now) && now !== before; }, { timeout: 15_000 }).toBe(true);
  await app.setViewportSize({ width: 1360, height: 860 });
  await app.getByRole('button', { name: `Close terminal ${LAB}` }).click();
  await expectCleanPage(app, problems);
});

test('dark theme: the dashboard and the steps stay readable', async () => {
  await app.getByRole('button', { name: 'Switch to dark theme' }).click();
  await expect(app.locator('html')).toHaveAttribute('data-theme', 'dark');
  await app.keyboard.press('Alt+1');
  await expect(app.getByRole('heading', { level: 1, name: LAB })).toBeVisible();
  await screenshot(app, 'dashboard-dark');
  await app.keyboard.press('Alt+3');
  await app.getByRole('button', { name: /No root login, key-only SSH/ }).first().click();
  await app.getByRole('article', { name: 'Changes to /etc/ssh/sshd_config.d/00-hardenlab.conf' }).scrollIntoViewIfNeeded();
  await screenshot(app, 'plan-diff-dark');
  await app.getByRole('button', { name: 'Switch to light theme' }).click();
  await expectCleanPage(app, problems);
});

test('an unknown host key asks first: cancel refuses, trust once asks again, remember does not; no hypervisor means no way back', async () => {
  test.setTimeout(6 * 60_000);
  await app.keyboard.press('Alt+7');
  const add = app.getByRole('button', { name: 'New connection' });
  await add.click();
  await app.getByRole('button', { name: /Connect to a host/ }).click();
  const form = app.getByRole('form', { name: 'Connect to a host' });
  await form.getByLabel('Name', { exact: true }).fill('e2e-hostkey');
  await form.getByLabel('User', { exact: true }).fill('lab');
  await form.getByLabel('Port').fill(labPort);
  await form.getByLabel('Private key file').fill(join(server.home, 'keys', 'id_ed25519'));
  await form.getByRole('button', { name: 'Save and connect' }).click();

  const modal = app.getByRole('dialog', { name: "Is this the VM's host key?" });
  await expect(modal).toBeVisible({ timeout: 60_000 });
  await expect(modal.getByLabel('SHA256 fingerprint')).toHaveText(fingerprint);
  await expect(modal).toContainText(`127.0.0.1:${labPort}`);
  await screenshot(app, 'host-key-modal');
  await modal.getByRole('button', { name: 'Cancel' }).click();
  await expect(modal).toBeHidden();
  await expect(connectionStatus('Connection failed')).toBeVisible({ timeout: 30_000 });

  // Trust once: connected, for this session only (nothing is written to known_hosts)...
  await app.getByRole('banner').getByRole('button', { name: /^(Connect|Retry)$/ }).click();
  await expect(modal).toBeVisible({ timeout: 60_000 });
  await modal.getByRole('button', { name: 'Trust once' }).click();
  await expect(connectionStatus('Connected')).toBeVisible({ timeout: 60_000 });
  await settleAfterConnect();
  await disconnectActive();
  await app.getByRole('banner').getByRole('button', { name: /^(Connect|Retry)$/ }).click();
  await expect(connectionStatus('Connected')).toBeVisible({ timeout: 60_000 });
  await expect(modal).toBeHidden();
  await settleAfterConnect();
  // ...so forgetting it asks again, and "Trust and remember" keeps it for good.
  await disconnectActive();
  await app.getByRole('button', { name: 'Forget host key of e2e-hostkey' }).click();
  await app.getByRole('alertdialog', { name: `Forget the host key of 127.0.0.1:${labPort}?` }).getByRole('button', { name: 'Forget host key' }).click();
  await app.getByRole('banner').getByRole('button', { name: /^(Connect|Retry)$/ }).click();
  await expect(modal).toBeVisible({ timeout: 60_000 });
  await modal.getByRole('button', { name: 'Trust and remember' }).click();
  await expect(connectionStatus('Connected')).toBeVisible({ timeout: 60_000 });
  await settleAfterConnect();
  await disconnectActive();
  await app.getByRole('banner').getByRole('button', { name: /^(Connect|Retry)$/ }).click();
  await expect(connectionStatus('Connected')).toBeVisible({ timeout: 60_000 });
  await expect(modal).toBeHidden();

  // This connection has no hypervisor: the SSH change would be guarded by the in-guest dead-man's switch,
  // the sysctls cannot be (their values stay in the kernel), so the engine refuses them and the UI says why.
  await app.keyboard.press('Alt+3');
  await app.getByRole('button', { name: /No root login, key-only SSH/ }).first().click();
  const sshDetail = app.getByRole('article').filter({ has: app.getByRole('heading', { level: 2, name: 'No root login, key-only SSH' }) });
  await planStep(sshDetail, 'No root login, key-only SSH');
  await expect(sshDetail.getByLabel('Safety net')).toContainText("an in-guest dead-man's switch puts /etc/ssh/sshd_config.d/00-hardenlab.conf back and restarts ssh");
  await app.getByRole('button', { name: /Kernel hardening sysctls/ }).first().click();
  const detail = app.getByRole('article').filter({ has: app.getByRole('heading', { level: 2, name: 'Kernel hardening sysctls' }) });
  await planStep(detail, 'Kernel hardening sysctls');
  await expect(detail.getByLabel('Safety net')).toContainText('No way back');
  await detail.getByRole('checkbox', { name: /Prove it survives a reboot/ }).uncheck();
  await detail.getByRole('button', { name: 'Apply: Kernel hardening sysctls' }).click();
  const confirm = app.getByRole('alertdialog', { name: 'Apply “Kernel hardening sysctls”?' });
  if (await confirm.isVisible({ timeout: 2_000 }).catch(() => false)) await confirm.getByRole('button', { name: 'Apply anyway' }).click();
  const refusal = app.getByRole('alertdialog', { name: 'No way back: nothing was changed' });
  await expect(refusal).toBeVisible({ timeout: 60_000 });
  await expect(refusal).toContainText('not linked to a hypervisor VM');
  await expect(refusal).toContainText('runs `sysctl -p');
  await screenshot(app, 'no-way-back');
  await refusal.getByRole('button', { name: 'Close', exact: true }).click();
  await expect(refusal).toBeHidden();
  // The plan was kept: Apply is still offered for it.
  await expect(detail.getByRole('button', { name: 'Apply: Kernel hardening sysctls' })).toBeEnabled();

  await disconnectActive();
  await app.keyboard.press('Alt+7');
  await app.getByRole('button', { name: 'Delete e2e-hostkey' }).click();
  await app.getByRole('alertdialog', { name: 'Delete the connection “e2e-hostkey”?' }).getByRole('button', { name: 'Delete', exact: true }).click();
  await app.getByRole('combobox', { name: 'Active connection profile' }).selectOption(LAB);
  await expect(connectionStatus('Connected')).toBeVisible({ timeout: 120_000 });
  await expectCleanPage(app, problems);
});
