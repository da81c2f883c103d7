/**
 * The mock's "computer" for `import_scan`: a few files other tools left keys in, and the
 * environment. Deterministic: an OpenAI key in `~/.bashrc` line 12 that is also in this session's
 * environment, an Anthropic key in Continue's `config.yaml`, an Anthropic key in Claude Code's
 * `settings.json` (the same as `?seed=demo`'s Anthropic key, so with that seed Taskly already
 * holds it), a Mistral key only in the environment (its provider is "unreachable", so importing it
 * needs "save without checking"), and a Goose file that cannot be parsed. Lines are kept as the
 * scan would show them, with the key already masked; the fake plaintext exists only to be
 * "imported" through the same path as a typed key.
 */
import type { Find, ProviderId, ScanReport, ScrubMode, Tool } from '../../bindings/core';
import { maskKey, providerSpec } from './data';

type Format = 'shell' | 'dotenv' | 'yaml' | 'json';

export interface MachinePlace {
  tool: Tool;
  path: string | null;
  line: number | null;
  name: string;
  format: Format | null;
  /** The line as it is in the file, the key masked. */
  text: string | null;
  /** Set once the line was rewritten (commented out or removed). */
  gone: boolean;
}

export interface MachineFind {
  provider: ProviderId;
  /** A fake key of the right shape; its words script the "validation" (`offline`). */
  secret: string;
  base_url: string | null;
  places: MachinePlace[];
}

export interface Machine {
  finds: MachineFind[];
  skipped: { path: string; reason: string }[];
}

const ENV_CANNOT = 'An environment variable cannot be removed from a running shell.';

/** What `looked_in` lists, in the core's order (home is `~`; the current folder is the home folder). */
export const LOOKED_IN: readonly string[] = [
  '~/.bashrc',
  '~/.bash_profile',
  '~/.zshrc',
  '~/.zshenv',
  '~/.zprofile',
  '~/.profile',
  '~/.config/fish/config.fish',
  '~/.config/fish/fish_variables',
  '~/.env',
  '~/.continue/config.yaml',
  '~/.continue/config.json',
  '~/.continue/.env',
  '~/.config/goose/secrets.yaml',
  '~/.aider.conf.yml',
  '~/.aider/oauth-keys.env',
  '~/.codex/auth.json',
  '~/.claude.json',
  '~/.claude/settings.json',
  '~/litellm_config.yaml',
  '~/litellm.yaml',
  '~/proxy_config.yaml',
  '~/config.yaml',
  'environment variables',
];

const file = (tool: Tool, path: string, line: number, name: string, format: Format, text: string): MachinePlace => ({
  tool,
  path,
  line,
  name,
  format,
  text,
  gone: false,
});

const env = (name: string): MachinePlace => ({
  tool: 'environment',
  path: null,
  line: null,
  name,
  format: null,
  text: null,
  gone: false,
});

/**
 * A mock key, joined at run time: the built bundle (which ships the mock for the browser preview)
 * then holds no key-shaped string, which the .deb test's scan of installed files would flag.
 */
function mockKey(...parts: string[]): string {
  return parts.join('-');
}

export function createMachine(kind: 'keys' | 'empty' = 'keys'): Machine {
  if (kind === 'empty') return { finds: [], skipped: [] };
  return {
    finds: [
      {
        provider: 'openai',
        secret: mockKey('sk', 'proj', 'mockBashrcKey7hG2kLm4Np8Qr0Sx3Vw5q9Zt'),
        base_url: null,
        places: [file('shell', '~/.bashrc', 12, 'OPENAI_API_KEY', 'shell', 'export OPENAI_API_KEY=sk-proj-…q9Zt'), env('OPENAI_API_KEY')],
      },
      {
        provider: 'anthropic',
        secret: mockKey('sk', 'ant', 'api03', 'mockContinueKey2Bd6Fh8Jk0Lm3Np5Qr7c4e'),
        base_url: null,
        places: [file('continue', '~/.continue/config.yaml', 9, 'models[0].apiKey', 'yaml', '    apiKey: sk-ant-api03-…7c4e')],
      },
      {
        provider: 'anthropic',
        secret: mockKey('sk', 'ant', 'api03', 'mockClaudeSettingsKey4Gh6Jk8Lm0XyZ1'),
        base_url: null,
        places: [
          file('claude-code', '~/.claude/settings.json', 3, 'env.ANTHROPIC_API_KEY', 'json', '    "ANTHROPIC_API_KEY": "sk-ant-api03-…XyZ1"'),
        ],
      },
      {
        provider: 'mistral',
        secret: 'mockMistralOfflineKey6Tn8Vp0Xr2Zt4',
        base_url: null,
        places: [env('MISTRAL_API_KEY')],
      },
    ],
    skipped: [
      {
        path: '~/.config/goose/secrets.yaml',
        reason: 'it could not be read as YAML: did not find expected key while parsing a block mapping at line 4 column 3',
      },
    ],
  };
}

/** `f_` and 8 hex digits from the first place's file and setting (FNV-1a; the core uses SHA-256), never the key. */
function findId(place: MachinePlace): string {
  let hash = 0x811c9dc5;
  for (const ch of `${place.path ?? 'environment'}\u0000${place.name}\u00001`) {
    hash ^= ch.charCodeAt(0);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return `f_${hash.toString(16).padStart(8, '0')}`;
}

/** The key masked as the core masks it. */
export const maskOf = (find: MachineFind) => maskKey(providerSpec(find.provider), find.secret);

/** The places still holding the key (a rewritten line is gone). */
export const livePlaces = (find: MachineFind) => find.places.filter((p) => !p.gone);

/** The core's note for a key in the environment: which start-up file sets it, if one does. */
function environmentNote(places: MachinePlace[]): string | null {
  const inEnv = places.find((p) => p.tool === 'environment');
  if (!inEnv) return null;
  const setter = places.find((p) => (p.tool === 'shell' || p.tool === 'dotenv') && p.name === inEnv.name && p.path);
  return setter
    ? `${inEnv.name} is set in this session's environment by ${setter.path}${setter.line ? ` (line ${setter.line})` : ''}: remove it there and open a new terminal.`
    : `${inEnv.name} is set in this session's environment, but not by a start-up file Taskly reads: remove it where you set it.`;
}

/** Why a place cannot be rewritten by Taskly, by the core's rules (`None`: it can). */
function cannotRemove(place: MachinePlace): string | null {
  if (place.tool === 'environment') return ENV_CANNOT;
  return null;
}

export interface Scanned {
  report: ScanReport;
  /** The finds by id, for import and scrub. */
  byId: Map<string, MachineFind>;
}

/** A scan of the machine; `heldId` says which vault key (if any) is the same secret. */
export function scanMachine(machine: Machine, heldId: (find: MachineFind) => string | null): Scanned {
  const byId = new Map<string, MachineFind>();
  const finds: Find[] = [];
  for (const m of machine.finds) {
    const places = livePlaces(m);
    const first = places[0];
    if (!first) continue;
    const id = findId(first);
    byId.set(id, m);
    finds.push({
      id,
      provider: m.provider,
      masked: maskOf(m),
      places: places.map((p) => ({ tool: p.tool, path: p.path, line: p.line, name: p.name, cannot_remove: cannotRemove(p) })),
      already_held: heldId(m),
      label: `From ${first.path ?? 'the environment'}`,
      base_url: m.base_url,
      note: environmentNote(places),
    });
  }
  return { report: { finds, skipped: machine.skipped.map((s) => ({ ...s })), looked_in: [...LOOKED_IN] }, byId };
}

/** The variable's name as a comment shows it (`apiKey` for `models[0].apiKey`). */
const shortName = (name: string) => name.split(/[. ]/).pop() ?? name;

/** What a line becomes, or why the file is refused, by the core's rules (`scrub.rs`). */
export function rewriteLine(place: MachinePlace, mode: ScrubMode): { after: string | null } | { refused: string } {
  if (mode === 'comment' && place.format === 'json') return { refused: 'JSON has no comments: choose to remove the line instead' };
  if (mode === 'remove') return { after: null };
  const text = place.text ?? '';
  const indent = text.slice(0, text.length - text.trimStart().length);
  return { after: `${indent}# ${shortName(place.name)} moved to the system credential store by Taskly` };
}
