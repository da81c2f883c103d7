# Sourced by scripts/release.sh and scripts/deb-upgrade-test.sh: builds installers with the Tauri
# CLI (ui/node_modules/.bin/tauri, a dev dependency of the UI).
#
# Why a generated config: tauri.conf.json stands at the repository root (one source of truth for
# tauri-build and generate_context!, which resolve its relative paths from the root), but the
# Tauri CLI takes the folder holding the config as the app crate and wants a Cargo.toml with a
# [package] next to it; the root Cargo.toml is the workspace's. So, for the length of one CLI
# run, src-tauri/tauri.conf.json holds a copy of the root config with its paths made absolute
# (and the CLI binary mapped to /usr/bin/taskly), TAURI_APP_PATH points the CLI at src-tauri, and
# the copy is deleted afterwards (taskly_bundle_cleanup also runs from the callers' traps). The
# app itself is still compiled from the root config: the CLI hands cargo only the --config patch
# (TAURI_CONFIG, a JSON merge patch over the root file), e.g. the version.
#
# Honours CARGO_TARGET_DIR. Needs: `npm --prefix ui ci` done, `cargo build --release -p
# taskly-cli` done (the .deb/.rpm ship the `taskly` CLI), the UI built (`npm --prefix ui run build`).

TASKLY_ROOT="${TASKLY_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
TASKLY_GENERATED_CONFIG="$TASKLY_ROOT/src-tauri/tauri.conf.json"

taskly_config_version() {
  node -p 'JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).version' "$TASKLY_ROOT/tauri.conf.json"
}

taskly_bundle_cleanup() {
  rm -f "$TASKLY_GENERATED_CONFIG"
}

# taskly_bundle VERSION BUNDLES OUT_DIR [BUNDLER_PATCH]
#   VERSION: "" for tauri.conf.json's own version, else the version to build (passed to cargo
#            too, so the binary's embedded package info says it); BUNDLES: e.g. "deb,rpm";
#   OUT_DIR: where the installers are copied; BUNDLER_PATCH: a JSON merge patch for the bundler
#            only (signing, updater artifacts): it goes into the generated copy, not to cargo, so
#            the compiled app does not change with it.
taskly_bundle() {
  local version="$1" bundles="$2" out="$3" bundler_patch="${4:-}"
  [ -n "$bundler_patch" ] || bundler_patch='{}'
  local target="${CARGO_TARGET_DIR:-$TASKLY_ROOT/target}"
  local cli_bin="$target/release/taskly"
  [ -x "$cli_bin" ] || { echo "taskly_bundle: $cli_bin is missing (cargo build --release -p taskly-cli)" >&2; return 1; }
  [ -x "$TASKLY_ROOT/ui/node_modules/.bin/tauri" ] || { echo "taskly_bundle: the Tauri CLI is missing (npm --prefix ui ci)" >&2; return 1; }
  if git -C "$TASKLY_ROOT" ls-files --error-unmatch "$TASKLY_GENERATED_CONFIG" >/dev/null 2>&1; then
    echo "taskly_bundle: $TASKLY_GENERATED_CONFIG is tracked by git; this script only writes it as a throwaway copy" >&2
    return 1
  fi
  node - "$TASKLY_ROOT" "$cli_bin" "$TASKLY_GENERATED_CONFIG" "$bundler_patch" <<'JS'
const fs = require("fs");
const path = require("path");
const [root, cliBin, outFile, bundlerPatch] = process.argv.slice(2);
// RFC 7396, as the Tauri CLI applies --config.
const merge = (target, patch) => {
  if (patch === null || typeof patch !== "object" || Array.isArray(patch)) return patch;
  const out = target !== null && typeof target === "object" && !Array.isArray(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = merge(out[k], v);
  }
  return out;
};
const config = JSON.parse(fs.readFileSync(path.join(root, "tauri.conf.json"), "utf8"));
const abs = (p) => (path.isAbsolute(p) ? p : path.join(root, p));
config.build.frontendDist = abs(config.build.frontendDist);
// The callers build the UI first, from the root; the CLI would run it from ui/.
config.build.beforeBuildCommand = "";
const bundle = config.bundle;
bundle.icon = bundle.icon.map(abs);
if (bundle.macOS && bundle.macOS.entitlements) bundle.macOS.entitlements = abs(bundle.macOS.entitlements);
bundle.linux = bundle.linux || {};
for (const kind of ["deb", "rpm"]) {
  const section = (bundle.linux[kind] = bundle.linux[kind] || {});
  const files = {};
  for (const [dest, src] of Object.entries(section.files || {})) files[dest] = abs(src);
  // The `taskly` CLI ships with the app: support and scripts can use it on any installed system.
  files["/usr/bin/taskly"] = cliBin;
  section.files = files;
}
fs.writeFileSync(outFile, JSON.stringify(merge(config, JSON.parse(bundlerPatch)), null, 2) + "\n");
JS
  # Only the version goes to cargo (TAURI_CONFIG): cargo reruns tauri-build and recompiles the
  # app crate whenever TAURI_CONFIG changes, so a build of the config's own version shares its
  # output with a plain `cargo build --release -p taskly-desktop`.
  # --ignore-version-mismatches: the tauri crate and @tauri-apps/api may differ in minor version.
  local args=(build --ci --bundles "$bundles" --ignore-version-mismatches)
  [ -n "$version" ] && args+=(--config "{\"version\":\"$version\"}")
  mkdir -p "$out"
  local stamp="$out/.bundle-started" status=0
  : > "$stamp"
  TAURI_APP_PATH="$TASKLY_ROOT/src-tauri" "$TASKLY_ROOT/ui/node_modules/.bin/tauri" "${args[@]}" -- --locked || status=$?
  taskly_bundle_cleanup
  [ "$status" -eq 0 ] || { rm -f "$stamp"; return "$status"; }
  # The installers, and the update artifacts (.sig, macOS .app.tar.gz) when the config asks for them.
  local kind dir
  for kind in ${bundles//,/ }; do
    dir="$kind"
    [ "$kind" = "app" ] && dir="macos"
    find "$target/release/bundle/$dir" -maxdepth 1 -type f -newer "$stamp" \( -name '*.deb' -o -name '*.rpm' \
      -o -name '*.AppImage' -o -name '*.dmg' -o -name '*.msi' -o -name '*.exe' -o -name '*.tar.gz' -o -name '*.sig' \) \
      -exec cp {} "$out/" \;
  done
  rm -f "$stamp"
}
