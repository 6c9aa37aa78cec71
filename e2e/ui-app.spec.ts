/**
 * The UI in a real browser against the real browser-mode server and core,
 * for everything that works without a VM: first run, the connection form,
 * keyboard navigation, themes, the Revert dialog's empty states, terminal
 * tabs. Every test ends by asserting no console error, no uncaught exception
 * and no CSP violation; screenshots of each screen go to e2e/artifacts.
 */
import type { Page } from '@playwright/test';
import type { HypervisorKind } from '../shared/hypervisor-kinds';
import { expect, expectCleanPage, screenshot, startServer, test, type ServeHandle } from './fixtures';

/**
 * These specs need a first run (no profile), whatever other spec files left in
 * the shared server's home: they run against their own `hardenlab serve` on a
 * fresh, empty home, started once for this file.
 */
let server: ServeHandle | null = null;

test.beforeAll(async () => {
  server = await startServer();
});
test.afterAll(async () => {
  await server?.stop();
});
test.beforeEach(async ({ app }) => {
  await app.goto(server!.url);
});

/** Adds a connection through the real "Connect to a host" form and returns once it is saved. */
async function addManualConnection(app: Page, opts: { name: string; port: string; hypervisor?: HypervisorKind; vm?: string }): Promise<void> {
  const onFirstRun = await app.getByRole('heading', { level: 1, name: 'Welcome to Harden Lab' }).isVisible();
  if (!onFirstRun) {
    await app.keyboard.press('Alt+7');
    const add = app.getByRole('button', { name: 'New connection' });
    if (await add.isVisible()) await add.click();
  }
  await app.getByRole('button', { name: /Connect to a host/ }).click();
  const form = app.getByRole('form', { name: 'Connect to a host' });
  await form.getByLabel('Name').fill(opts.name);
  await form.getByLabel('User', { exact: true }).fill('tester');
  await form.getByLabel('Port').fill(opts.port);
  if (opts.hypervisor) {
    await form.getByLabel('Hypervisor').selectOption(opts.hypervisor);
    await form.getByLabel('VM name').fill(opts.vm ?? opts.name);
  }
  await form.getByRole('button', { name: 'Save and connect' }).click();
  await expect(app.getByText(`Saved the connection “${opts.name}”.`)).toBeVisible();
}

async function deleteConnection(app: Page, name: string): Promise<void> {
  await app.keyboard.press('Alt+7');
  await app.getByRole('button', { name: `Delete ${name}` }).click();
  const dialog = app.getByRole('alertdialog', { name: `Delete the connection “${name}”?` });
  await expect(dialog).toBeVisible();
  await dialog.getByRole('button', { name: 'Delete', exact: true }).click();
  await expect(app.getByRole('button', { name: `Delete ${name}` })).toHaveCount(0);
}

test.describe('first run', () => {
  test('offers three ways to start, each with its own panel', async ({ app, problems }) => {
    await expect(app.getByRole('heading', { level: 1, name: 'Welcome to Harden Lab' })).toBeVisible();
    const choices = app.getByRole('group', { name: 'How do you want to start?' });
    const lab = choices.getByRole('button', { name: /Create a disposable lab VM/ });
    const vbox = choices.getByRole('button', { name: /Use my VirtualBox VM/ });
    const manual = choices.getByRole('button', { name: /Connect to a host/ });
    await expect(lab).toBeVisible();
    await expect(vbox).toBeVisible();
    await expect(manual).toBeVisible();
    await expect(app.getByRole('combobox', { name: 'Active connection profile' })).toBeDisabled();
    await screenshot(app, 'first-run');

    await lab.click();
    await expect(lab).toHaveAttribute('aria-pressed', 'true');
    await expect(app.getByRole('heading', { level: 2, name: 'Create a disposable lab VM' })).toBeVisible();
    await expect(app.getByLabel('Connection name')).toHaveValue('lab');
    await expect(app.getByRole('button', { name: 'Create the lab VM' })).toBeEnabled();
    // A bad name is refused before anything starts.
    await app.getByLabel('Connection name').fill('no spaces allowed');
    await app.getByRole('button', { name: 'Create the lab VM' }).click();
    await expect(app.getByText(/is not a valid profile name/)).toBeVisible();
    await app.getByLabel('Connection name').fill('lab');
    await screenshot(app, 'first-run-lab');

    await vbox.click();
    await expect(app.getByRole('heading', { level: 2, name: 'Use my VirtualBox VM' })).toBeVisible();
    // No VirtualBox on this machine: the panel says so plainly (or says why the list could not be read).
    await expect(app.getByText(/VirtualBox is not available on this computer|The VirtualBox VMs could not be listed|VirtualBox has no VMs yet/)).toBeVisible();
    await screenshot(app, 'first-run-virtualbox');

    await manual.click();
    const form = app.getByRole('form', { name: 'Connect to a host' });
    await expect(form).toBeVisible();
    await expect(form.getByLabel('Name')).toBeFocused();
    await screenshot(app, 'first-run-manual');
    await expectCleanPage(app, problems);
  });

  test('the manual form validates, saves, tries to connect and says what went wrong; delete asks first', async ({ app, problems }) => {
    await app.getByRole('button', { name: /Connect to a host/ }).click();
    const form = app.getByRole('form', { name: 'Connect to a host' });
    await form.getByLabel('Name').fill('bad name!');
    await form.getByLabel('User', { exact: true }).fill('Admin');
    await form.getByLabel('Port').fill('99999');
    await form.getByRole('button', { name: 'Save and connect' }).click();
    await expect(form.getByText(/Profile names use letters/)).toBeVisible();
    await expect(form.getByText('Enter a valid user name.')).toBeVisible();
    await expect(form.getByText('Enter a port number from 1 to 65535.')).toBeVisible();
    // Focus goes to the first field in error.
    await expect(form.getByLabel('Name')).toBeFocused();
    await expect(form.getByLabel('Name')).toHaveAttribute('aria-invalid', 'true');

    // Port 1 on 127.0.0.1: nothing listens there, so the connection fails fast and visibly.
    await addManualConnection(app, { name: 'e2e-manual', port: '1' });
    await expect(app.getByRole('combobox', { name: 'Active connection profile' })).toHaveValue('e2e-manual');
    await expect(app.getByRole('banner').getByRole('status', { name: 'Connection: Connection failed' })).toBeVisible({ timeout: 30_000 });
    await expect(app.getByRole('heading', { level: 1, name: 'e2e-manual' })).toBeVisible();
    const system = app.getByRole('article', { name: 'System' });
    await expect(system.getByRole('alert')).toBeVisible();
    await expect(system.getByRole('button', { name: 'Try again' })).toBeVisible();
    await expect(app.getByRole('article', { name: 'Virtual machine' })).toContainText('not linked to a hypervisor VM');
    await screenshot(app, 'dashboard-connection-failed');

    await deleteConnection(app, 'e2e-manual');
    await app.keyboard.press('Alt+1');
    await expect(app.getByRole('heading', { level: 1, name: 'Welcome to Harden Lab' })).toBeVisible();
    await expectCleanPage(app, problems);
  });
});

const VIEWS: Array<[string, string]> = [
  ['Alt+1', 'Welcome to Harden Lab'],
  ['Alt+2', 'Guided walkthrough'],
  ['Alt+3', 'Hardening steps'],
  ['Alt+4', 'Snapshots'],
  ['Alt+5', 'Journal'],
  ['Alt+6', 'Terminal'],
  ['Alt+7', 'Connections'],
  ['Alt+8', 'System check'],
  ['Alt+9', 'Canaries'],
  ['Alt+0', 'Trials'],
  ['Alt+R', 'Roll out'],
];

test.describe('keyboard and themes', () => {
  test('Alt+1…9, Alt+0 and Alt+R reach every view, and views that need a VM say how to get one', async ({ app, problems }) => {
    await expect(app.getByRole('heading', { level: 1, name: 'Welcome to Harden Lab' })).toBeVisible();
    for (const [keys, heading] of VIEWS) {
      await app.keyboard.press(keys);
      await expect(app.getByRole('heading', { level: 1, name: heading })).toBeVisible();
      await expect(app.getByRole('navigation', { name: 'Main' }).locator('[aria-current="page"]')).toHaveCount(1);
    }
    for (const keys of ['Alt+2', 'Alt+3', 'Alt+4', 'Alt+5', 'Alt+9', 'Alt+0', 'Alt+R']) {
      await app.keyboard.press(keys);
      await expect(app.getByRole('button', { name: 'Set up a VM' })).toBeVisible();
    }
    await app.getByRole('button', { name: 'Set up a VM' }).click();
    await expect(app.getByRole('heading', { level: 1, name: 'Welcome to Harden Lab' })).toBeVisible();
    await expectCleanPage(app, problems);
  });

  test('Tab starts at the skip link, focus is visible, and ? lists the shortcuts', async ({ app, problems }) => {
    await expect(app.getByRole('heading', { level: 1, name: 'Welcome to Harden Lab' })).toBeVisible();
    await app.keyboard.press('Tab');
    const skip = app.getByRole('link', { name: 'Skip to content' });
    await expect(skip).toBeFocused();
    await expect(skip).toBeInViewport();
    await app.keyboard.press('Tab');
    const outline = await app.evaluate(() => getComputedStyle(document.activeElement!).outlineStyle);
    expect(outline).not.toBe('none');

    await app.locator('body').click({ position: { x: 700, y: 600 } });
    await app.keyboard.press('?');
    const dialog = app.getByRole('dialog', { name: 'Keyboard shortcuts' });
    await expect(dialog).toBeVisible();
    await expect(dialog.getByRole('cell', { name: 'Ctrl+Shift+Z' })).toBeVisible();
    await screenshot(app, 'shortcuts');
    await app.keyboard.press('Escape');
    await expect(dialog).toBeHidden();
    await expectCleanPage(app, problems);
  });

  test('the theme toggle switches light and dark and is remembered', async ({ app, problems }) => {
    const html = app.locator('html');
    const start = await html.getAttribute('data-theme');
    const other = start === 'dark' ? 'light' : 'dark';
    await app.getByRole('button', { name: `Switch to ${other} theme` }).click();
    await expect(html).toHaveAttribute('data-theme', other);
    const bg = await app.evaluate(() => getComputedStyle(document.body).backgroundColor);
    await screenshot(app, `first-run-${other}`);
    await app.reload();
    await expect(html).toHaveAttribute('data-theme', other);
    expect(await app.evaluate(() => getComputedStyle(document.body).backgroundColor)).toBe(bg);
    await app.getByRole('button', { name: `Switch to ${start} theme` }).click();
    await expect(html).toHaveAttribute('data-theme', start!);
    await expectCleanPage(app, problems);
  });
});

test.describe('revert from anywhere', () => {
  test('the Revert dialog opens from the toolbar and with Ctrl+Shift+Z, traps focus, and says when there is nothing to revert', async ({ app, problems }) => {
    const button = app.getByRole('button', { name: 'Revert…' });
    await button.click();
    const dialog = app.getByRole('dialog', { name: 'Revert' });
    await expect(dialog).toBeVisible();
    await expect(dialog).toContainText('There is no VM to revert yet');
    await expect(dialog).toContainText('Ctrl+Shift+Z');
    await screenshot(app, 'revert-no-vm');
    // Focus stays inside while tabbing round.
    for (let i = 0; i < 5; i++) {
      await app.keyboard.press('Tab');
      expect(await dialog.evaluate((d) => d.contains(document.activeElement))).toBe(true);
    }
    await app.keyboard.press('Escape');
    await expect(dialog).toBeHidden();
    await expect(button).toBeFocused();

    await app.keyboard.press('Control+Shift+Z');
    await expect(dialog).toBeVisible();
    await dialog.getByRole('button', { name: 'Close dialog' }).click();
    await expect(dialog).toBeHidden();
    await expectCleanPage(app, problems);
  });

  test('a VM with no hypervisor gets a clear explanation instead of a snapshot list', async ({ app, problems }) => {
    await addManualConnection(app, { name: 'e2e-nohv', port: '1' });
    await app.keyboard.press('Control+Shift+Z');
    const dialog = app.getByRole('dialog', { name: 'Revert e2e-nohv' });
    await expect(dialog).toBeVisible();
    await expect(dialog).toContainText('is not linked to a VirtualBox or QEMU VM');
    await expect(dialog.getByRole('button', { name: 'Open Connections' })).toBeVisible();
    await screenshot(app, 'revert-no-hypervisor');
    await app.keyboard.press('Escape');
    await app.keyboard.press('Alt+4');
    await expect(app.getByText(/is not linked to a VirtualBox or QEMU VM, so it has no snapshots/)).toBeVisible();
    await deleteConnection(app, 'e2e-nohv');
    await expectCleanPage(app, problems);
  });

  test('a VM whose snapshots cannot be read shows why, with a way to retry', async ({ app, problems }) => {
    await addManualConnection(app, { name: 'e2e-qemu', port: '1', hypervisor: 'qemu', vm: 'e2e-no-such-vm' });
    await app.keyboard.press('Control+Shift+Z');
    const dialog = app.getByRole('dialog', { name: 'Revert e2e-qemu' });
    await expect(dialog).toBeVisible();
    // No lab VM by that name exists: either an explained error, or an empty list that says to take a snapshot first.
    await expect(dialog.getByText(/The snapshot list could not be read|No snapshots yet/)).toBeVisible({ timeout: 30_000 });
    await screenshot(app, 'revert-no-snapshots');
    await app.keyboard.press('Escape');
    await deleteConnection(app, 'e2e-qemu');
    await expectCleanPage(app, problems);
  });
});

test('terminal tabs load xterm.js under the CSP, report a shell that cannot open, and close cleanly', async ({ app, problems }) => {
  await app.keyboard.press('Alt+6');
  await expect(app.getByRole('heading', { level: 1, name: 'Terminal' })).toBeVisible();
  await expect(app.getByText('Set up a VM first; its shells open here.')).toBeVisible();

  await addManualConnection(app, { name: 'e2e-term', port: '1' });
  await app.keyboard.press('Alt+6');
  await app.getByRole('button', { name: 'Open a terminal on e2e-term' }).click();
  const tab = app.getByRole('tab', { name: /e2e-term/ });
  await expect(tab).toHaveAttribute('aria-selected', 'true');
  // xterm.js rendered into the panel (its own style elements are allowed by the CSP).
  await expect(app.getByRole('tabpanel').locator('.xterm')).toBeVisible();
  // Nothing listens on port 1: the tab says the shell could not be opened and offers a retry.
  await expect(app.getByRole('tabpanel').getByText('The shell could not be opened')).toBeVisible({ timeout: 30_000 });
  await expect(app.getByRole('tabpanel').getByRole('button', { name: 'Try again' })).toBeVisible();
  await screenshot(app, 'terminal-failed');

  await app.getByRole('button', { name: 'Close terminal e2e-term' }).click();
  await expect(tab).toHaveCount(0);
  await deleteConnection(app, 'e2e-term');
  await expectCleanPage(app, problems);
});
