// Help text shared by every command, so `--help` teaches the same conventions everywhere.

export const EXIT_STATUS_HELP = `
Exit status:
  0  success
  1  tests failed, or a gate (coverage threshold, untagged tests) failed
  2  usage or configuration error (bad flag, bad incluster.config.yaml, bad input file)
  3  infrastructure error (cluster unreachable, image pull, OOMKilled, a build failed)
  130  interrupted (SIGINT or SIGTERM), after removing what the command had started`;

export const CONFIG_HELP = `
Configuration:
  incluster.config.yaml is found by walking up from the working directory (or given with --config).
  Its schema is published in schema/incluster.config.schema.json for editor completion.`;
