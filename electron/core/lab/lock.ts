/**
 * The lab's locks use the generic file lock, which moved to core/ so that the
 * engine can take the same kind of lock per profile without importing lab/.
 */
export { pidAlive, withFileLock, type LockOptions } from '../file-lock';
