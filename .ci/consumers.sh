#!/usr/bin/env bash
# The package as its users meet it, from projects outside this repository (.ci/consumers/):
#   - Deno: an import map sending @gradstream/gradstream and its /testing and /kernels subpaths
#     to this repository's entry points, as `deno add jsr:@gradstream/gradstream` would send
#     them to JSR; type-checked, then run with no permission flag at all;
#   - Node.js 20+ and Bun: the tarball `npm pack` builds here (package.json's prepack runs
#     scripts/build_npm.ts), installed with `npm install <tarball>`; the consumer's JavaScript is
#     type-checked against the package's .d.ts files, then run by node and by bun.
# Each consumer imports three entry points, trains a small MLP on two moons for a few steps,
# fails unless the loss fell, and runs the gradient checker. Also checked: the tarball holds
# only dist/, README.md, LICENSE and package.json, and installing it brings only the runtime
# dependencies (none of package.json's devDependencies).
# The pack and the installs need the registry (or the npm cache); everything after them runs
# without a network (a new network namespace, where this machine allows one).
# Needs deno, bun, node >= 20 and npm on PATH, and the repository's own installs done
# (`deno install`, `bun install`: the build uses node_modules/typescript).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
if unshare -n true 2>/dev/null; then
  offline=(unshare -n)
else
  offline=()
  echo "notice: cannot unshare the network here; the consumers run with the network reachable"
fi
fail() {
  echo "consumers: $*" >&2
  exit 1
}

node_major=$(node -p 'process.versions.node.split(".")[0]')
[ "$node_major" -ge 20 ] || fail "node $(node --version) is older than the package's engines (>= 20)"

# Install phase (registry or npm cache reachable).
echo "== npm pack"
npm pack --pack-destination "$work" >"$work/pack.log" 2>&1 || { cat "$work/pack.log"; fail "npm pack failed"; }
tarball=$(ls "$work"/gradstream-*.tgz)
files=$(tar -tzf "$tarball")
extra=$(grep -Ev '^package/(dist/.+\.(js|d\.ts)|README\.md|LICENSE|package\.json)$' <<<"$files" || true)
[ -z "$extra" ] || fail "the tarball holds files outside the built library: $extra"
for f in dist/index.js dist/index.d.ts dist/entry/testing.js dist/entry/testing.d.ts \
  dist/entry/kernels.js dist/entry/kernels.d.ts README.md LICENSE; do
  grep -qx "package/$f" <<<"$files" || fail "the tarball has no $f"
done
echo "$(wc -l <<<"$files") files in $(basename "$tarball")"

echo "== npm install <tarball>"
cp -R .ci/consumers/npm "$work/npm"
(cd "$work/npm" && npm install --prefer-offline --no-audit --no-fund "$tarball") ||
  fail "npm install of the tarball failed"
# Installed packages: only gradstream, its dependencies and theirs; no devDependency.
node -e '
  const fs = require("node:fs"), path = require("node:path");
  const [root, consumer] = process.argv.slice(1);
  const pkg = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8"));
  const lock = JSON.parse(fs.readFileSync(path.join(consumer, "package-lock.json"), "utf8"));
  const installed = Object.keys(lock.packages).filter((p) => p !== "")
    .map((p) => p.replace(/^.*node_modules\//, ""));
  const dev = installed.filter((name) => name in (pkg.devDependencies ?? {}));
  const missing = Object.keys(pkg.dependencies).filter((name) => !installed.includes(name));
  console.log(`installed: ${installed.sort().join(", ")}`);
  if (dev.length > 0) throw new Error(`devDependencies installed for a user: ${dev.join(", ")}`);
  if (missing.length > 0) throw new Error(`runtime dependencies missing: ${missing.join(", ")}`);
' "$root" "$work/npm"

echo "== deno install (consumer)"
mkdir "$work/deno"
cp .ci/consumers/deno/main.ts "$work/deno/"
# The committed import map is relative to .ci/consumers/deno; the copy points at this checkout.
sed "s#\"\\.\\./\\.\\./\\.\\./#\"$root/#" .ci/consumers/deno/deno.json >"$work/deno/deno.json"
(cd "$work/deno" && deno install --quiet) || fail "deno install in the Deno consumer failed"

# Run phase: no network.
echo "== Deno consumer (offline)"
(cd "$work/deno" && "${offline[@]}" deno check --frozen --cached-only --quiet main.ts &&
  "${offline[@]}" deno run --frozen --cached-only main.ts)
echo "== tsc --checkJs against the package's types (offline)"
"${offline[@]}" node "$root/node_modules/typescript/bin/tsc" -p "$work/npm/tsconfig.json"
echo "== Node.js consumer (offline)"
(cd "$work/npm" && "${offline[@]}" node main.mjs)
echo "== Bun consumer (offline)"
(cd "$work/npm" && "${offline[@]}" bun main.mjs)
