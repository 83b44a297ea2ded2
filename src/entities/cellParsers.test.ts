import { describe, expect, it } from 'vitest';
import { currencyCode, decimal, email, isoDate, oneOf, tagList, text } from './cellParsers.ts';

describe('cell parsers', () => {
  it('should lower-case a valid email and reject malformed ones with INVALID_EMAIL', () => {
    const parse = email(254);
    expect(parse('Ann.Lee+x@Example.COM', 'email')).toBe('ann.lee+x@example.com');
    expect(parse('josé@exämple.de', 'email')).toBe('josé@exämple.de');
    for (const bad of ['john@', '@x.com', 'a b@x.com', 'a@x', 'a@@x.com', 'a@x..com', 'a..b@x.com']) {
      expect(parse(bad, 'email'), bad).toMatchObject({ code: 'INVALID_EMAIL', message: `invalid email '${bad}'` });
    }
    expect(parse(`${'a'.repeat(250)}@x.com`, 'email')).toMatchObject({ code: 'TOO_LONG' });
  });

  it('should accept text up to its limit and name the column in TOO_LONG', () => {
    expect(text(3)('abc', 'phone')).toBe('abc');
    expect(text(3)('abcd', 'phone')).toEqual({ code: 'TOO_LONG', message: 'phone must be at most 3 characters (has 4)' });
  });

  it('should split tags on commas, trim them and drop empty ones', () => {
    expect(tagList()(' vip, beta,,  x ,', 'tags')).toEqual(['vip', 'beta', 'x']);
    expect(tagList()(',,', 'tags')).toEqual([]);
  });

  it('should parse decimals with thousands separators and refuse negative, over-precise or non-numbers', () => {
    const amount = decimal({ scale: 2, maxIntegerDigits: 12 });
    expect(amount('1,234.50', 'amount')).toBe('1234.50');
    expect(amount('0.5', 'amount')).toBe('0.5');
    expect(amount('.5', 'amount')).toBe('0.5');
    expect(amount('007', 'amount')).toBe('7');
    expect(amount('+12', 'amount')).toBe('12');
    for (const bad of ['-1', '1.234', '12,34', 'abc', '1e5', '1,234,5.00', '']) {
      expect(amount(bad, 'amount'), bad).toMatchObject({ code: 'INVALID_NUMBER' });
    }
    expect(amount('1234567890123', 'amount')).toMatchObject({ code: 'INVALID_NUMBER' });
  });

  it('should accept only real ISO calendar dates', () => {
    const date = isoDate();
    expect(date('2024-02-29', 'issued_at')).toBe('2024-02-29');
    for (const bad of ['2023-02-29', '2024-02-30', '2024-13-01', '31/01/2024', '2024-1-5', '2024-01-01T00:00:00Z']) {
      expect(date(bad, 'issued_at'), bad).toMatchObject({ code: 'INVALID_DATE' });
    }
  });

  it('should match enum values case-insensitively and currency codes against ISO 4217', () => {
    expect(oneOf(['draft', 'paid'])('PAID', 'status')).toBe('paid');
    expect(oneOf(['draft', 'paid'])('paidd', 'status')).toMatchObject({ code: 'INVALID_ENUM' });
    expect(currencyCode()('eur', 'currency')).toBe('EUR');
    expect(currencyCode()('EUX', 'currency')).toMatchObject({ code: 'INVALID_ENUM' });
  });
});
