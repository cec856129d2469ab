// Runs mocha over the compiled tests and writes the runner's own stats (hook failures included)
// to MOCHA_SUMMARY_FILE for scripts/test.js.
"use strict";
// mocha 12 is an ES module: require() yields its namespace, whose Mocha export is the class.
const mochaModule = require("mocha");
const Mocha = mochaModule.Mocha ?? mochaModule.default ?? mochaModule;
const fs = require("node:fs");
const path = require("node:path");

const root = path.join(__dirname, "..");
const patterns = process.argv.slice(2);
const mocha = new Mocha({ reporter: "spec", timeout: 30000 });
// MOCHA_GREP=<text> runs only the tests whose full title contains it (with `npm test -- <file substring>`).
if (process.env.MOCHA_GREP) mocha.grep(process.env.MOCHA_GREP);
function walk(dir) {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? walk(p) : e.name.endsWith(".spec.js") ? [p] : [];
  });
}
const files = walk(path.join(root, "dist", "tests")).filter(
  (f) => patterns.length === 0 || patterns.some((p) => f.includes(p)),
);
for (const f of files.sort()) mocha.addFile(f);
const runner = mocha.run((failures) => {
  const stats = runner.stats || { passes: 0, failures };
  if (process.env.MOCHA_SUMMARY_FILE) {
    fs.writeFileSync(
      process.env.MOCHA_SUMMARY_FILE,
      JSON.stringify({ passes: stats.passes, failures: stats.failures }),
    );
  }
  process.exitCode = failures ? 1 : 0;
});
