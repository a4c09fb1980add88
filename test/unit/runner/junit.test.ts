import { describe, expect, test } from 'vitest';
import { XMLParser } from 'fast-xml-parser';
import { mergeJUnit } from '../../../src/runner/junit.ts';

// As Vitest's junit reporter writes it (trimmed): one file per shard.
const shard1 = `<?xml version="1.0" encoding="UTF-8" ?>
<testsuites name="vitest tests" tests="2" failures="1" errors="0" time="0.51">
    <testsuite name="test/a.test.ts" timestamp="2026-11-24T15:00:00.000Z" hostname="pod-0" tests="2" failures="1" errors="0" skipped="0" time="0.5">
        <testcase classname="test/a.test.ts" name="adds &amp; stores" time="0.1">
            <properties>
                <property name="requirements" value="001-FR-016"/>
            </properties>
        </testcase>
        <testcase classname="test/a.test.ts" name="rejects &lt;empty&gt; titles" time="0.4">
            <failure message="expected 400 to be 422" type="AssertionError">
AssertionError: expected 400 to be 422
 ❯ test/a.test.ts:12:5
            </failure>
        </testcase>
    </testsuite>
</testsuites>`;
const shard2 = `<?xml version="1.0" encoding="UTF-8" ?>
<testsuites name="vitest tests" tests="2" failures="0" errors="0" time="0.3">
    <testsuite name="test/b.test.ts" tests="2" failures="0" errors="0" skipped="1" time="0.25">
        <testcase classname="test/b.test.ts" name="lists" time="0.25"/>
        <testcase classname="test/b.test.ts" name="later" time="0"><skipped/></testcase>
    </testsuite>
</testsuites>`;

describe('merging JUnit across shards', { tags: ['001-FR-016'] }, () => {
  test('keeps every case, recounts the totals and lists the failures', () => {
    const merged = mergeJUnit(
      [
        { source: 'shard-0/junit.xml', xml: shard1 },
        { source: 'shard-1/junit.xml', xml: shard2 },
      ],
      'incluster run r1',
    );
    expect(merged.counts).toEqual({ tests: 4, failures: 1, errors: 0, skipped: 1, time: 0.75 });
    expect(merged.failed).toEqual(['test/a.test.ts › rejects <empty> titles: expected 400 to be 422']);
    expect(merged.unreadable).toEqual([]);
    const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(merged.xml) as {
      testsuites: { name: string; tests: string; failures: string; testsuite: { testcase: unknown }[] };
    };
    expect(doc.testsuites.name).toBe('incluster run r1');
    expect(doc.testsuites.tests).toBe('4');
    expect(doc.testsuites.failures).toBe('1');
    expect(doc.testsuites.testsuite).toHaveLength(2);
    // Escaping, properties and the failure text survive the round trip.
    expect(merged.xml).toContain('name="adds &amp; stores"');
    expect(merged.xml).toContain('<property name="requirements" value="001-FR-016"');
    expect(merged.xml).toContain('AssertionError: expected 400 to be 422');
  });

  test('a lone <testsuite> root is accepted and a non-JUnit file is reported, not fatal', () => {
    const merged = mergeJUnit(
      [
        {
          source: 'a.xml',
          xml: '<testsuite name="s"><testcase name="t"><error message="boom"/></testcase></testsuite>',
        },
        { source: 'b.xml', xml: '<html><body/></html>' },
      ],
      'x',
    );
    expect(merged.counts.tests).toBe(1);
    expect(merged.counts.errors).toBe(1);
    expect(merged.failed).toEqual(['s › t: boom']);
    expect(merged.unreadable).toEqual([
      { source: 'b.xml', reason: 'no <testsuites> or <testsuite> element' },
    ]);
  });
});
