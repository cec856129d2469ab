import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["node_modules/", "dist/", "scripts/*.js", ".ci/", ".bench-out/"] },
  js.configs.recommended,
  ...tseslint.configs.strict,
  {
    rules: {
      "@typescript-eslint/no-explicit-any": "error",
      "@typescript-eslint/consistent-type-imports": [
        "error",
        { prefer: "type-imports", fixStyle: "inline-type-imports", disallowTypeAnnotations: false },
      ],
      "@typescript-eslint/no-require-imports": "off",
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              group: ["@pulumi/aws", "@pulumi/aws/*", "@pulumi/alicloud", "@pulumi/alicloud/*"],
              allowTypeImports: true,
              message: "type imports only: the pack never loads provider SDKs",
            },
          ],
        },
      ],
    },
  },
  {
    // The e2e program is a user's Pulumi program: it imports the provider SDKs (it is not part of the pack).
    files: ["tests/e2e/program/**"],
    rules: { "no-restricted-imports": "off" },
  },
);
