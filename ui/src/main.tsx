/** Entry point: picks the IPC implementation (real or mock) and renders the app. */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { loadApi } from './ipc';
import './styles/app.css';

const root = createRoot(document.getElementById('root') as HTMLElement);

void loadApi().then((api) => {
  root.render(
    <StrictMode>
      <App api={api} />
    </StrictMode>,
  );
});
