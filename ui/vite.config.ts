/// <reference types="vitest/config" />
// Vite builds the UI into ui/dist (Tauri's frontendDist); Vitest runs the component tests.
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// The Content-Security-Policy the desktop window is expected to enforce. `vite preview`
// serves the built UI with it, so the Chromium tests fail if the UI ever needs more.
export const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  // Radix's scroll lock injects a <style> element; React style props are CSSOM and unaffected.
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self' ipc: http://ipc.localhost",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export default defineConfig({
  plugins: [react()],
  clearScreen: false,
  server: {
    host: '127.0.0.1',
    // tauri.conf.json's devUrl.
    port: 5173,
    strictPort: true,
  },
  preview: {
    host: '127.0.0.1',
    port: 4173,
    strictPort: true,
    headers: { 'Content-Security-Policy': CSP },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // WebKitGTK / WKWebView (Safari 15+) and WebView2 (Chromium) are the targets.
    target: ['es2021', 'safari15', 'chrome105'],
    sourcemap: false,
    chunkSizeWarningLimit: 600,
  },
  test: {
    environment: 'jsdom',
    setupFiles: ['./src/test/setup.ts'],
    include: ['src/**/*.test.{ts,tsx}'],
    css: false,
    restoreMocks: true,
    testTimeout: 15000,
  },
});
