// Requirement IDs: the configurable format, and how a tag is classified against it. A tag that
// matches the format is a requirement ID; one that nearly does is a malformed ID (an error); any
// other tag (`slow`, `smoke`) is left alone, since Vitest tags serve other purposes too.
import { UsageError } from '../errors.ts';

/** The default requirement ID format: `001-FR-001`. */
export const DEFAULT_ID_PATTERN = '^\\d{3}-FR-\\d{3}$';

/** What a tag is, as far as traceability is concerned. */
export type TagKind = 'id' | 'malformed' | 'other';

/** A compiled ID format with the classification that goes with it. */
export interface IdFormat {
  readonly source: string;
  /** True when `tag` is a well-formed requirement ID. */
  matches(tag: string): boolean;
  classify(tag: string): TagKind;
}

// The generic shape of an ID (`12-FR-7`, `001-NFR-002`), used to spot near-misses of the format.
const ID_SHAPE = /^\d+[-_ ]?[A-Za-z]+[-_ ]?\d+$/;

/** Compiles the configured ID pattern; a pattern that is not a valid regular expression is exit 2. */
export function compileIdFormat(pattern: string = DEFAULT_ID_PATTERN): IdFormat {
  let regex: RegExp;
  try {
    regex = new RegExp(pattern, 'u');
  } catch (error) {
    throw new UsageError(`trace.idPattern is not a valid regular expression: \`${pattern}\``, {
      cause: error,
    });
  }
  const matches = (tag: string) => regex.test(tag);
  return {
    source: pattern,
    matches,
    classify(tag) {
      if (matches(tag)) return 'id';
      const normalized = tag
        .trim()
        .toUpperCase()
        .replace(/[\s_.]+/g, '-');
      return matches(normalized) || ID_SHAPE.test(tag.trim()) ? 'malformed' : 'other';
    },
  };
}
