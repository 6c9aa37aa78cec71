import type { ApplyResultShape, AuditReportShape, ConnectResult, PlanShape, SnapshotListShape, StepInfo } from '../../../shared/domain';
import type { Profile } from '../../../shared/profile';

export const labProfile: Profile = {
  name: 'lab',
  host: '127.0.0.1',
  port: 2222,
  user: 'lab',
  auth: { kind: 'key', keyPath: '/home/me/.ssh/id_ed25519' },
  hypervisor: { kind: 'qemu', vm: 'lab' },
  elevation: 'auto',
  origin: 'lab',
};

export const connectResult: ConnectResult = {
  profile: 'lab',
  hostKey: { keyType: 'ssh-ed25519', fingerprint: 'SHA256:Zt0p3n4Lq5rQyV1m2s8cXlP0a9kDq6o7Tn2bH4eJvUw', status: 'pinned' },
  authMethod: 'publickey',
  elevation: 'sudo-nopasswd',
  os: 'Debian GNU/Linux 12 (bookworm)',
  kernel: '6.1.0-50-cloud-amd64',
  durationMs: 812,
};

export const steps: StepInfo[] = [
  { id: 'ssh', title: 'Key-only SSH, no root login', summary: 'Turns off password and root logins in sshd.', why: 'A guessed password on the host is every container lost.', readOnly: false, guideOrder: 3, options: [] },
  { id: 'kernel', title: 'Latest kernel', summary: 'Installs the newest kernel from the distribution.', why: 'Container escapes are often kernel bugs.', readOnly: false, guideOrder: 2, options: [] },
];

export const sshPlan: PlanShape = {
  id: 'plan-abc123',
  step: 'ssh',
  profile: 'lab',
  createdAt: '2026-11-29T06:00:00.000Z',
  summary: 'Turn off password logins and root logins.',
  files: [
    {
      path: '/etc/ssh/sshd_config.d/50-cloud-init.conf',
      before: 'PasswordAuthentication yes\n',
      after: 'PasswordAuthentication no\n',
      diff: '--- a/etc/ssh/sshd_config.d/50-cloud-init.conf\n+++ b/etc/ssh/sshd_config.d/50-cloud-init.conf\n@@ -1 +1 @@\n-PasswordAuthentication yes\n+PasswordAuthentication no\n',
    },
  ],
  commands: [{ argv: ['systemctl', 'reload', 'ssh'], elevated: true, why: 'sshd reads its configuration again; open sessions stay.' }],
  packages: { install: [], remove: [] },
  rebootRequired: false,
  warnings: [{ kind: 'lockout-risk', message: 'Password logins stop working.' }],
  nothingToDo: false,
  options: { stronger: false },
};

export const verifiedResult: ApplyResultShape = {
  experimentId: '20261129T060000-ssh-ab12',
  step: 'ssh',
  outcome: 'verified',
  snapshot: { id: 'snap-2', name: 'hl-before-ssh' },
  checks: [{ name: 'sshd -T passwordauthentication', ok: true, evidence: 'passwordauthentication no' }],
  phases: [
    { phase: 'probe', ok: true, durationMs: 300 },
    { phase: 'snapshot', ok: true, durationMs: 400 },
    { phase: 'apply', ok: true, durationMs: 900 },
    { phase: 'verify', ok: true, durationMs: 1200 },
  ],
  durationMs: 2800,
};

export const snapshots: SnapshotListShape = {
  snapshots: [
    { id: 'snap-1', name: 'baseline', description: 'before anything', createdAt: '2026-11-29T05:00:00.000Z', parentId: null },
    { id: 'snap-2', name: 'hl-before-ssh', description: '', createdAt: '2026-11-29T06:00:00.000Z', parentId: 'snap-1' },
  ],
  currentId: 'snap-2',
};

export const audit: AuditReportShape = {
  profile: 'lab',
  at: '2026-11-29T06:10:00.000Z',
  checks: [
    { id: 'ssh-password', title: 'Password logins are off', status: 'fail', evidence: 'passwordauthentication yes', fixStep: 'ssh' },
    { id: 'kernel-latest', title: 'The newest kernel runs', status: 'fail', evidence: 'running 6.1.0-50, available 6.1.0-56', fixStep: 'kernel' },
    { id: 'root-locked', title: 'Root account locked', status: 'pass', evidence: 'root L', fixStep: 'root-account' },
  ],
  score: { passed: 1, total: 3, percent: 33.3 },
};
