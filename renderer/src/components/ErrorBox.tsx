import type { ReactNode } from 'react';
import type { ErrorView } from '../api/client';
import { Icon } from './Icon';

/** An error where it happened: what went wrong, what to do next, and the actions that help. */
export function ErrorBox({ error, title, children, compact }: { error: ErrorView; title?: string; children?: ReactNode; compact?: boolean }) {
  const notYet = error.code === 'NOT_IMPLEMENTED';
  return (
    <div className={`error-box${compact ? ' compact' : ''}${notYet ? ' not-yet' : ''}`} role="alert">
      <Icon name={notYet ? 'info' : 'alert'} className="error-box-icon" size={18} />
      <div className="error-box-body">
        {title && <p className="error-box-title">{title}</p>}
        <p className="error-box-message">{error.message}</p>
        {error.hint && <p className="error-box-hint">{error.hint}</p>}
        {children && <div className="error-box-actions">{children}</div>}
      </div>
      {error.code && !notYet && <span className="error-code mono">{error.code}</span>}
    </div>
  );
}
