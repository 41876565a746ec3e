import { render } from 'preact';
import { App } from './app.js';
import './styles.css';

/** The dashboards' entry point (issue #10): the shell in app.tsx, one module per view in views/. */
const root = document.querySelector<HTMLElement>('#app');
if (root !== null) render(<App />, root);
