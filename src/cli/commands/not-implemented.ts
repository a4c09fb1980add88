// Commands whose `--help` is final but whose implementation lands in a later change say so and exit 2.
import { NotImplementedError } from '../../errors.ts';

/** Throws the error that tells the user a command exists but is not implemented yet. */
export function notImplemented(command: string): never {
  throw new NotImplementedError(`\`incluster ${command}\``);
}
