import type { PlanWarning } from '../../../../shared/domain';
import { sortWarnings, WARNING_INFO } from '../../lib/warnings';
import { Icon, type IconName } from '../Icon';

export const WARNING_ICON: Record<PlanWarning['kind'], IconName> = {
  'lockout-risk': 'lock',
  'irreversible-until-reboot': 'alert',
  'until-reboot': 'reboot',
  'breaks-docker': 'container',
  'reboot-required': 'reboot',
  'needs-network': 'network',
  info: 'info',
};

export function WarningList({ warnings }: { warnings: readonly PlanWarning[] }) {
  if (warnings.length === 0) return null;
  return (
    <ul className="warnings" aria-label="Warnings">
      {sortWarnings(warnings).map((w, i) => {
        const info = WARNING_INFO[w.kind];
        return (
          <li key={i} className={`warning tone-${info.tone}`}>
            <Icon name={WARNING_ICON[w.kind]} size={18} className="warning-icon" />
            <div>
              <p className="warning-label">{info.label}</p>
              <p className="warning-message">{w.message}</p>
              {info.meaning && <p className="warning-meaning">{info.meaning}</p>}
            </div>
          </li>
        );
      })}
    </ul>
  );
}
