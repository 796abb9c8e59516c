import { showValue } from '../src/object-differences';

describe('a side of a difference, as findings and diffs show it', () => {
  test('is its JSON, or (unset) where the field is absent', () => {
    expect(showValue('10Gi')).toBe('"10Gi"');
    expect(showValue({ app: 'web' })).toBe('{"app":"web"}');
    expect(showValue(null)).toBe('null');
    expect(showValue(undefined)).toBe('(unset)');
  });

  test('is cut to 120 characters, ending in ... where it is longer', () => {
    const long = showValue('x'.repeat(200));
    expect(long).toHaveLength(120);
    expect(long).toBe(`"${'x'.repeat(116)}...`);
    expect(showValue('x'.repeat(118))).toBe(`"${'x'.repeat(118)}"`);
  });
});
