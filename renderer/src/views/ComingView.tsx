import { useApp } from '../store';

/** A view whose capability is not in this build yet: says what it will do and what to do now. */
export function ComingView({ title, text }: { title: string; text: string }) {
  const hasProfile = useApp((s) => s.profiles.length > 0);
  const setView = useApp((s) => s.setView);
  return (
    <section className="view">
      <header className="view-header">
        <h1>{title}</h1>
      </header>
      <div className="panel empty-state">
        <p>{text}</p>
        <p className="hint">This part of Harden Lab is not in this build yet.</p>
        {!hasProfile && (
          <button type="button" className="primary" onClick={() => setView('connections')}>
            Add a connection
          </button>
        )}
      </div>
    </section>
  );
}
