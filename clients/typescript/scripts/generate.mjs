// Generates the TypeScript code (src/gen/) and the published descriptor image
// (clients/descriptor/b12-dosing-v1.binpb) from the proto, or checks that the committed copies
// are current.
//
//   node scripts/generate.mjs          # write src/gen/ and the descriptor image
//   node scripts/generate.mjs --check  # fail, naming each file, when a committed copy is stale
//
// Everything runs locally: buf from the Python virtual environment (the pinned buf-bin package,
// .venv/bin/buf) or from PATH, and the protoc-gen-es plugin from node_modules. No remote plugin,
// no registry, no network.
//
// Input: the repository's buf module (proto/: b12/dosing/v1 and, vendored verbatim from the pinned
// googleapis-common-protos by `make proto`, google/type/date.proto and google/rpc/error_details.proto,
// so that a client, and anyone generating one from the image, reads the google.rpc.BadRequest
// detail of an INVALID_ARGUMENT error).

import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, cpSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const pkg = resolve(here, "..");
const root = resolve(pkg, "..", "..");
const genDir = join(pkg, "src", "gen");
const image = join(root, "clients", "descriptor", "b12-dosing-v1.binpb");
const template = relative(root, join(pkg, "buf.gen.yaml"));

function buf() {
  const venv = join(root, ".venv", "bin", "buf");
  return existsSync(venv) ? venv : "buf";
}

function run(args) {
  execFileSync(buf(), args, { cwd: root, stdio: ["ignore", "inherit", "inherit"] });
}

function files(dir, base = dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? files(path, base) : [relative(base, path)];
  });
}

const check = process.argv.includes("--check");
const scratch = mkdtempSync(join(tmpdir(), "b12-ts-gen-"));
try {
  run(["generate", "--template", template, "-o", scratch]);
  run(["build", "-o", join(scratch, "b12-dosing-v1.binpb")]);
  const fresh = join(scratch, relative(root, genDir));

  if (check) {
    const stale = [];
    const names = new Set([...files(fresh), ...files(genDir)]);
    for (const name of [...names].sort()) {
      const a = join(fresh, name);
      const b = join(genDir, name);
      if (!existsSync(a) || !existsSync(b) || !readFileSync(a).equals(readFileSync(b))) {
        stale.push(relative(root, b));
      }
    }
    const freshImage = join(scratch, "b12-dosing-v1.binpb");
    if (!existsSync(image) || !readFileSync(image).equals(readFileSync(freshImage))) {
      stale.push(relative(root, image));
    }
    if (stale.length > 0) {
      console.error(`stale generated files (run \`make generate-ts\`):\n  ${stale.join("\n  ")}`);
      process.exit(1);
    }
    console.log("generated TypeScript code and descriptor image are current");
  } else {
    rmSync(genDir, { recursive: true, force: true });
    cpSync(fresh, genDir, { recursive: true });
    mkdirSync(dirname(image), { recursive: true });
    cpSync(join(scratch, "b12-dosing-v1.binpb"), image);
    console.log(`wrote ${relative(root, genDir)} and ${relative(root, image)}`);
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
