// The version of the report's JSON shape (report-schema.ts), in a module of its own: building a
// report (report.ts) needs the number, and only validating one needs zod and the schema.

/** Bumped on any change that could break a reader of the report. */
export const REPORT_SCHEMA_VERSION = 1;
