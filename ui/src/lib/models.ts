/** The models offered in the palette: the enabled key's, or a sensible list for Taskly. */
import type { KeyInfo, ProviderId } from '../bindings/core';
import { DEFAULT_MODELS } from '../bindings/registry';

/** The core's `chat::default_model`, generated from it (`bindings/registry.ts`). */
export const DEFAULT_MODEL: Record<ProviderId, string> = DEFAULT_MODELS;

/** What Taskly's proxy offers per provider (the proxy names them `provider/model`). */
export const TASKLY_MODELS: Record<ProviderId, string[]> = {
  openai: ['gpt-4o-mini', 'gpt-4o', 'gpt-4.1-mini', 'gpt-4.1'],
  anthropic: ['claude-sonnet-4-5', 'claude-haiku-4-5', 'claude-opus-4-1'],
  gemini: ['gemini-2.5-flash', 'gemini-2.5-pro', 'gemini-2.5-flash-lite'],
  mistral: ['mistral-small-latest', 'mistral-medium-latest', 'mistral-large-latest'],
  groq: ['llama-3.3-70b-versatile', 'llama-3.1-8b-instant'],
  openrouter: ['openai/gpt-4o-mini', 'anthropic/claude-sonnet-4-5'],
  deepseek: ['deepseek-chat', 'deepseek-reasoner'],
  xai: ['grok-3-mini', 'grok-4'],
  'azure-openai': ['gpt-4o-mini'],
  custom: ['gpt-4o-mini'],
};

// Models a key lists that cannot chat (OpenAI's list includes embeddings, speech, images…).
const NOT_CHAT = /embed|tts|whisper|dall-e|moderation|transcribe|audio|realtime|image|search|computer-use|^babbage|^davinci/i;

/** The model list for a provider, default first; the key's chat models when it has any. */
export function modelsFor(provider: ProviderId, enabledKey: KeyInfo | undefined): string[] {
  const fallback = DEFAULT_MODEL[provider];
  const keyModels = enabledKey ? enabledKey.models.filter((m) => !NOT_CHAT.test(m)) : [];
  const source = keyModels.length > 0 ? keyModels : TASKLY_MODELS[provider];
  const sorted = [...new Set(source)].sort((a, b) => a.localeCompare(b));
  if (sorted.includes(fallback)) return [fallback, ...sorted.filter((m) => m !== fallback)];
  return sorted;
}
