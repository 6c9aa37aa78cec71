import './zod-setup';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { initBridge, errorText } from './api/client';
import { appStore } from './store';
import './styles.css';

const root = createRoot(document.getElementById('root')!);

try {
  const bridge = initBridge();
  bridge.on('progress', (e) => appStore.getState().addProgress(e));
  bridge.on('hostKey.prompt', (p) => appStore.getState().pushHostKeyPrompt(p));
  bridge.on('hostKey.resolved', (r) => appStore.getState().dropHostKeyPrompt(r.promptId));
  void appStore.getState().boot();
} catch (e) {
  appStore.setState({ bootError: errorText(e) });
}

root.render(
  <StrictMode>
    <App />
  </StrictMode>,
);
