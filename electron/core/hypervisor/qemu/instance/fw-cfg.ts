/**
 * The fw_cfg items a lab instance is booted with: the host passes them
 * (boot.ts), the guest's secrets script reads them (lab/image/guest-files.ts).
 * One list here so that both sides use the same names.
 */
/** fw_cfg items live under this prefix (QEMU reserves "opt/" for users). */
export const FW_CFG_PREFIX = 'opt/hardenlab';
/** The items the guest script knows; the host passes the same names. */
export const FW_CFG_HOST_KEY_FILES = [
  'ssh_host_ed25519_key',
  'ssh_host_ed25519_key.pub',
  'ssh_host_ecdsa_key',
  'ssh_host_ecdsa_key.pub',
  'ssh_host_rsa_key',
  'ssh_host_rsa_key.pub',
] as const;
export const FW_CFG_AUTHORIZED_KEYS = 'authorized_keys';
