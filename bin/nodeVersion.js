// The Node.js versions flux-oci runs on: package.json's engines.node (^22.22.2 || ^24.15.0 || >=26),
// the floor its bundled libraries declare (sigstore, tuf-js). Older Node gets a sentence, not a stack.
'use strict';

const floors = { 22: [22, 2], 24: [15, 0] };

exports.requireSupportedNode = function requireSupportedNode(program) {
  const [major, minor, patch] = process.versions.node.split('.').map(Number);
  const floor = floors[major];
  const tooOld = major < 22 || (floor !== undefined && (minor < floor[0] || (minor === floor[0] && patch < floor[1])));
  if (!tooOld) return;
  process.stderr.write(
    `${program} needs Node.js 22.22.2 or later 22.x, 24.15.0 or later, or 26+ (this is ${process.version}). ` +
      `Install a supported Node.js, or on Linux x64 use the single executable (flux-oci-<version>-linux-x64), which needs none.\n`,
  );
  process.exit(1);
};
