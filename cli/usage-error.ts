/** A command used the wrong way: printed as `vigil: <message>` with exit 2. */
export class UsageError extends Error {}
