// The operator command that starts what is stopped, as policy messages and docs name it. Kept free of imports
// so a policy message can lead with it without loading the command.

/** The command that starts a stack's stopped recorders and trails: `auditguard start --stack dev`. */
export function startCommandFor(stack?: string): string {
  return `auditguard start --stack ${stack && /^[A-Za-z0-9._/-]+$/.test(stack) ? stack : "<stack>"}`;
}

/** The same, applying the changes (the dry run is the default). */
export function startNowCommandFor(stack?: string): string {
  return `${startCommandFor(stack)} --yes`;
}
