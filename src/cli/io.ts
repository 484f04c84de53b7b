// Where a verb writes: stdout and stderr of a command line, or the WorkResponse output of
// the persistent worker (worker.ts), which Bazel prints with the action's result.
export interface Io { out: (s: string) => void; err: (s: string) => void }
