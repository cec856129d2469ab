// docs/ci/github-actions.yml as GitHub runs it: the workflow's shape (permissions, the upload action, the
// program's dependencies), and its sticky-comment step run with bash against a stand-in `gh` that answers the
// comment list as the REST API does (jq included, as gh --jq runs it), so the step's own logic is what is tested.
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { bash, githubRecipe, type GithubStep } from "../e2e/recipes";

const GH_STUB = `#!/usr/bin/env bash
# gh api stand-in: logs its arguments; the comment list comes from $GH_COMMENTS (REST JSON) through --jq.
printf '%s\\n' "$*" >> "$GH_LOG"
if [ "$1" = api ] && [ "$2" != --method ]; then
  shift 2; filter=""
  while [ $# -gt 0 ]; do [ "$1" = --jq ] && filter="$2"; shift; done
  jq -r "$filter" "$GH_COMMENTS"; exit $?
fi
for a in "$@"; do case "$a" in body=@*) cp "\${a#body=@}" "$GH_BODY" ;; esac; done
`;

interface Comment {
  id: number;
  user: { login: string };
  body: string;
}

describe("CI recipe: GitHub Actions", () => {
  const wf = githubRecipe();
  const job = wf.jobs["policy"];
  const step = (name: string): GithubStep | undefined => job?.steps.find((s) => s.id === name || s.name === name);

  it("can run as written: program dependencies installed before the preview, upload-sarif v4, actions: read", () => {
    const names = job?.steps.map((s) => s.name ?? s.uses ?? "") ?? [];
    const install = names.indexOf("Install the Pulumi program's dependencies");
    assert.ok(install >= 0 && install < names.indexOf("Preview with the pack"), names.join(", "));
    assert.equal(step("Install the Pulumi program's dependencies")?.["working-directory"], "${{ env.PROJECT_DIR }}");
    assert.equal(step("preview")?.["working-directory"], "${{ env.PROJECT_DIR }}");
    assert.equal(step("report")?.["working-directory"], "${{ env.PROJECT_DIR }}");
    assert.match(step("report")?.run ?? "", /--artifact "\$PROJECT_DIR\/Pulumi\.yaml"/);
    // v3 is deprecated in December 2026 (codeql-action CHANGELOG).
    const upload = job?.steps.find((s) => s.uses?.startsWith("github/codeql-action/upload-sarif@"));
    assert.equal(upload?.uses, "github/codeql-action/upload-sarif@v4");
    assert.equal(upload?.with?.["sarif_file"], "${{ env.PROJECT_DIR }}/auditguard.sarif");
    // The file's automationDetails.id wins over a category: none is given that would pretend otherwise.
    assert.equal(upload?.with?.["category"], undefined);
    assert.equal(wf.permissions["actions"], "read");
    assert.equal(wf.permissions["security-events"], "write");
  });

  describe("sticky comment step", () => {
    let dir: string;
    let bin: string;
    const run = async (comments: Comment[], commentMd: string | undefined, stack = "dev") => {
      const work = fs.mkdtempSync(path.join(dir, "run-"));
      if (commentMd !== undefined) fs.writeFileSync(path.join(work, "comment.md"), commentMd);
      fs.writeFileSync(path.join(work, "comments.json"), JSON.stringify(comments));
      const script = step("Sticky pull-request comment")?.run ?? "";
      assert.doesNotMatch(script, /\$\{\{/, "a run script reads inputs from the environment, not expressions");
      const r = await bash(script, work, {
        PATH: `${bin}${path.delimiter}${process.env["PATH"] ?? ""}`,
        STACK: stack,
        PR: "7",
        GITHUB_REPOSITORY: "org/infra",
        GITHUB_SERVER_URL: "https://github.example",
        GITHUB_RUN_ID: "99",
        GH_LOG: path.join(work, "gh.log"),
        GH_BODY: path.join(work, "body.md"),
        GH_COMMENTS: path.join(work, "comments.json"),
      });
      assert.equal(r.code, 0, r.stdout + r.stderr);
      const calls = fs.readFileSync(path.join(work, "gh.log"), "utf8").trim().split("\n");
      const body = fs.existsSync(path.join(work, "body.md")) ? fs.readFileSync(path.join(work, "body.md"), "utf8") : "";
      return { write: calls[calls.length - 1] ?? "", body };
    };

    before(() => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), "auditguard-ci-"));
      bin = path.join(dir, "bin");
      fs.mkdirSync(bin);
      fs.writeFileSync(path.join(bin, "gh"), GH_STUB, { mode: 0o755 });
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    const report = "<!-- auditguard-dev -->\n## Policy report\n\nNo policy violations in `dev`.\n";

    it("updates this workflow's comment for the stack, not a user's comment quoting the marker", async () => {
      const r = await run(
        [
          { id: 11, user: { login: "someone" }, body: "<!-- auditguard-dev -->\nquoted" },
          { id: 12, user: { login: "github-actions[bot]" }, body: "<!-- auditguard-prod -->\nprod" },
          { id: 13, user: { login: "github-actions[bot]" }, body: "<!-- auditguard-dev -->\nold findings" },
        ],
        report,
      );
      assert.equal(r.write, "api --method PATCH repos/org/infra/issues/comments/13 -F body=@comment.md");
      assert.equal(r.body, report);
    });

    it("creates the comment when there is none for the stack", async () => {
      const r = await run([{ id: 11, user: { login: "someone" }, body: "<!-- auditguard-dev -->\nquoted" }], report);
      assert.equal(r.write, "api --method POST repos/org/infra/issues/7/comments -F body=@comment.md");
    });

    it("when the report refused (no comment.md), replaces the earlier findings with a failure notice", async () => {
      const r = await run(
        [{ id: 13, user: { login: "github-actions[bot]" }, body: "<!-- auditguard-dev -->\nNo policy violations" }],
        undefined,
      );
      assert.equal(r.write, "api --method PATCH repos/org/infra/issues/comments/13 -F body=@comment.md");
      assert.equal(r.body.split("\n")[0], "<!-- auditguard-dev -->");
      assert.match(r.body, /No policy report for stack `dev`/);
      assert.match(r.body, /https:\/\/github\.example\/org\/infra\/actions\/runs\/99/);
    });

    it("a stack name with characters jq or the marker treat specially is matched as the report writes it", async () => {
      // The report drops "--" from a marker (an HTML comment cannot hold it); a quote would end a jq string.
      const marker = '<!-- auditguard-a"b.c -->';
      const r = await run(
        [{ id: 21, user: { login: "github-actions[bot]" }, body: `${marker}\nold` }],
        `${marker}\nnew\n`,
        'a"b--.c',
      );
      assert.equal(r.write, "api --method PATCH repos/org/infra/issues/comments/21 -F body=@comment.md");
    });
  });
});
