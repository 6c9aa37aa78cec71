import { useApp } from '../../store';
import { SetupChoices } from './SetupChoices';

/** What a new user sees: three ways to get a VM to harden, the safest first. */
export function FirstRunView() {
  const setView = useApp((s) => s.setView);
  return (
    <section className="view first-run">
      <header className="view-header">
        <h1>Welcome to Harden Lab</h1>
        <p className="lead">
          Harden a Linux container host safely: every change is previewed as a diff, applied inside a snapshot, proved, and undone automatically if anything goes wrong.
          First, choose the VM to work on.
        </p>
      </header>
      <SetupChoices />
      <p className="muted small first-run-foot">
        Not sure what this computer can run?{' '}
        <button type="button" className="linkish" onClick={() => setView('system')}>
          Run the system check
        </button>
        .
      </p>
    </section>
  );
}
