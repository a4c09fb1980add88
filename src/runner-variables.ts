// The variables incluster itself sets in the runner pod, in one list: the runner writes them
// (runner/job.ts) and the config refuses them in runner.env (config/schema.ts), so a user's value
// for one can never be dropped without a word.

/** Set by incluster in every test container; runner.env may not set them (a config error). */
export const RUNNER_OWN_VARIABLES = [
  'INCLUSTER_RUN_ID',
  'INCLUSTER_NAMESPACE',
  'INCLUSTER_RUN_NAMESPACE',
  'INCLUSTER_ARTIFACTS_DIR',
  'INCLUSTER_SHARD_INDEX',
  'INCLUSTER_SHARD_COUNT',
] as const;
