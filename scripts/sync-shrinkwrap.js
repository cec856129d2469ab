// Keeps package-lock.json (the repository's lock) identical to npm-shrinkwrap.json, which is shipped in the tarball
// so that an org install of the published pack gets the tested tree (npm never packs package-lock.json). With both
// present npm reads and writes npm-shrinkwrap.json alone: after `npm install <pkg>`, `npm run lock:sync`.
// tests/unit/shrinkwrap.spec.ts fails while the two differ.
"use strict";
const fs = require("node:fs");
const path = require("node:path");

const root = path.join(__dirname, "..");
fs.copyFileSync(path.join(root, "npm-shrinkwrap.json"), path.join(root, "package-lock.json"));
