import './zod-setup';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { initBridge, errorText } from './api/client';
import { appStore } from './store';
import { wireEvents } from './store/events';
import { terminalRouter } from './terminal/router';
import './styles.css';
import './styles/components.css';
import './styles/views.css';

const root = createRoot(document.getElementById('root')!);

try {
  const bridge = initBridge();
  wireEvents(bridge.on, appStore, terminalRouter);
  void appStore.getState().boot();
} catch (e) {
  appStore.setState({ bootError: errorText(e), booted: true });
}

root.render(
  <StrictMode>
    <App />
  </StrictMode>,
);
