import { useApp } from '../store';

/** What a VM-bound view shows before any VM is set up. */
export function NoVm({ title, text }: { title: string; text?: string }) {
  const setView = useApp((s) => s.setView);
  return (
    <section className="view">
      <header className="view-header">
        <h1>{title}</h1>
      </header>
      <div className="panel empty-state">
        <p>{text ?? 'There is no VM to work on yet.'}</p>
        <button type="button" className="primary" onClick={() => setView('dashboard')}>
          Set up a VM
        </button>
      </div>
    </section>
  );
}
