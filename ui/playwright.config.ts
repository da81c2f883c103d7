// Chromium (Debian's package, never a downloaded browser) against the built UI, served by
// `vite preview` with the production CSP and the mock IPC. Desktop and phone sizes, light and dark.
import { defineConfig, devices } from '@playwright/test';

const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export default defineConfig({
  testDir: './e2e',
  outputDir: './test-results',
  timeout: 60_000,
  expect: { timeout: 7_000 },
  fullyParallel: true,
  workers: 2,
  retries: 0,
  reporter: [['list']],
  use: {
    baseURL: 'http://127.0.0.1:4173',
    trace: 'off',
    screenshot: 'off',
    launchOptions: {
      executablePath: chromium,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    },
  },
  projects: [
    { name: 'desktop-light', use: { browserName: 'chromium', viewport: { width: 1280, height: 820 }, colorScheme: 'light' } },
    { name: 'desktop-dark', use: { browserName: 'chromium', viewport: { width: 1280, height: 820 }, colorScheme: 'dark' } },
    {
      name: 'phone-light',
      use: { browserName: 'chromium', ...devices['Pixel 5'], viewport: { width: 360, height: 740 }, colorScheme: 'light', isMobile: false, hasTouch: false },
    },
    {
      name: 'phone-dark',
      use: { browserName: 'chromium', ...devices['Pixel 5'], viewport: { width: 360, height: 740 }, colorScheme: 'dark', isMobile: false, hasTouch: false },
    },
  ],
  webServer: {
    command: 'npx vite preview --host 127.0.0.1 --port 4173 --strictPort',
    url: 'http://127.0.0.1:4173',
    // Never by default: a preview left running (an older build, another checkout) would be tested
    // instead of this build. TASKLY_E2E_REUSE_SERVER=1 reuses one on purpose while iterating;
    // scripts/test.sh unsets every TASKLY_* variable, so the test command always starts its own.
    reuseExistingServer: process.env.TASKLY_E2E_REUSE_SERVER === '1',
    timeout: 30_000,
  },
});
