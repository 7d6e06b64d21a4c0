import { describe, expect, it } from 'vitest';
import { canonicalUnits, UNIT_ALIASES } from '../../server/engine/metrics/units.ts';

/**
 * canonicalUnits skips its rewrites for a text that no spelling can match (checked by the spellings'
 * first characters, then by one union of them all). Every spelling of the table must still be rewritten
 * after a number, whatever that check keeps out.
 */
describe('canonicalUnits', () => {
  const cases = UNIT_ALIASES.flatMap(({ canonical, spellings, afterNumberOnly = [] }) =>
    [...spellings, ...afterNumberOnly].map((spelling) => ({ canonical, spelling })),
  );

  it.each(cases)(
    'should rewrite "12 $spelling" to its canonical word $canonical',
    ({ canonical, spelling }) => {
      expect(canonicalUnits(`12 ${spelling}`).trim().split(/\s+/)).toEqual(['12', canonical]);
    },
  );

  it('should leave a text with no unit as it is', () => {
    expect(canonicalUnits('1234')).toBe('1234');
    expect(canonicalUnits('paris, 1889')).toBe('paris, 1889');
  });
});
