/** The mock's app-level commands: settings, the usage report, app info, links and the global shortcut. */
import type { AppInfo, TasklyApi } from '../commands';
import type { MockState } from './state';

type AppCommands = Pick<
  TasklyApi,
  'getSettings' | 'setFallbackToTaskly' | 'usageReport' | 'appInfo' | 'openExternal' | 'onPaletteOpen'
>;

export function appCommands(state: MockState): AppCommands {
  return {
    async getSettings() {
      state.record('get_settings', {});
      await state.wait();
      return { ...state.settings };
    },

    async setFallbackToTaskly(enabled: boolean) {
      state.record('set_fallback_to_taskly', { enabled });
      await state.wait();
      state.settings = { fallbackToTaskly: enabled };
      return { ...state.settings };
    },

    async usageReport(days: number) {
      state.record('usage_report', { days });
      await state.wait();
      const since = new Date(Date.now() - (days - 1) * 86_400_000).toISOString().slice(0, 10);
      return state.usage.filter((r) => r.day >= since).map((r) => ({ ...r }));
    },

    async appInfo(): Promise<AppInfo> {
      state.record('app_info', {});
      await state.wait();
      return {
        version: '0.1.0-demo',
        credentialStore: state.storeName,
        credentialStoreWorking: state.storeWorking,
        credentialStoreError: state.storeWorking ? null : state.storeError(),
        demo: state.options.demo ?? false,
      };
    },

    async openExternal(url: string) {
      state.record('open_external', { url });
    },

    async onPaletteOpen(handler) {
      state.paletteHandlers.add(handler);
      return () => {
        state.paletteHandlers.delete(handler);
      };
    },
  };
}
