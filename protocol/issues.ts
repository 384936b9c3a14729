/** How Parley words the first problem zod found in a value, for errors and logs. */

interface Issues {
  readonly issues: readonly { readonly path: readonly PropertyKey[]; readonly message: string }[];
}

/** `<field>: <problem>` of the first issue; `whole` names the value itself when the problem is the whole of it. */
export function firstIssue(error: Issues, whole: string): string {
  const issue = error.issues[0];
  if (!issue) return `${whole}: is not valid`;
  return `${issue.path.length ? issue.path.map(String).join('.') : whole}: ${issue.message}`;
}
