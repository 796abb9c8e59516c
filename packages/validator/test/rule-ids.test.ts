import { Finding, finding, objectFinding } from '../src/finding';
import { isRuleId, RuleId, RULES, RULES_BY_ID } from '../src/rules';

// The rule ids are typed: `tsc -p .` (the first step of `npm test`) checks this file, and each `@ts-expect-error`
// below fails the type-check if a misspelt id ever compiles again.
describe('rule ids are checked by the type-checker', () => {
  test('a misspelt id passed to finding() or objectFinding() does not compile', () => {
    // @ts-expect-error 'parse-eror' is not the id of a rule
    const fileRule: Parameters<typeof finding>[0] = 'parse-eror';
    // @ts-expect-error 'schema-violaton' is not the id of a rule
    const objectRule: Parameters<typeof objectFinding>[0] = 'schema-violaton';
    // @ts-expect-error a rule id is not any string
    const anyString: RuleId = String('image-tag');
    expect([fileRule, objectRule, anyString].filter(isRuleId)).toEqual(['image-tag']);
  });

  test("a finding's ruleId compared with a misspelt id does not compile", () => {
    const found: Finding = finding('parse-error', { file: 'a.yaml', line: 3 }, 'Nested mappings are not allowed');
    // @ts-expect-error the comparison can never be true: 'parse_error' is not a rule id
    expect(found.ruleId === 'parse_error').toBe(false);
    expect(found).toEqual({
      ruleId: 'parse-error',
      severity: 'error',
      file: 'a.yaml',
      line: 3,
      message: 'Nested mappings are not allowed',
      fix: 'fix the syntax at the line given',
    });
  });

  test('every id of the table finds its own rule, and only those are rule ids', () => {
    expect(RULES.filter(rule => RULES_BY_ID[rule.id] !== rule).map(rule => rule.id)).toEqual([]);
    expect(Object.keys(RULES_BY_ID)).toEqual(RULES.map(rule => rule.id));
    expect(['image-tag', 'imagetag', 'constructor', 'toString'].filter(isRuleId)).toEqual(['image-tag']);
  });
});
