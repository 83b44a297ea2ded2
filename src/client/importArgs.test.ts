import { describe, expect, it } from 'vitest';
import { parseImportArgs, startImportInput, type ImportOptions } from './importArgs.ts';

const env = { BULKPORT_TOKEN: 'bp_env' };
const parse = (args: string[], e: NodeJS.ProcessEnv = env) => parseImportArgs(args, e) as ImportOptions;

describe('parseImportArgs', () => {
  it('should accept entity and strategy names in any case', () => {
    const o = parse(['f.csv', '--entity', 'Contacts', '--strategy', 'update']);
    expect(o).toMatchObject({ file: 'f.csv', entity: 'CONTACTS', strategy: 'UPDATE' });
  });

  it('should send mappingName and dryRun only when asked, beside the entity, strategy and idempotency key', () => {
    expect(startImportInput(parse(['f.csv', '--entity', 'contacts']))).toEqual({ entity: 'CONTACTS' });
    const all = parse(['f.csv', '--entity', 'invoices', '--strategy', 'Fail', '--mapping', 'crm export', '--dry-run', '--idempotency-key', 'k1']);
    expect(startImportInput(all)).toEqual({ entity: 'INVOICES', duplicateStrategy: 'FAIL', mappingName: 'crm export', dryRun: true, idempotencyKey: 'k1' });
  });

  it('should take the token from --token before BULKPORT_TOKEN, and refuse to run without one', () => {
    expect(parse(['f.csv', '--entity', 'contacts', '--token', 'bp_flag']).connection.token).toBe('bp_flag');
    expect(parse(['f.csv', '--entity', 'contacts']).connection.token).toBe('bp_env');
    expect(() => parse(['f.csv', '--entity', 'contacts'], {})).toThrow('no API token: pass --token TOKEN or set BULKPORT_TOKEN');
  });

  it('should default the URL to BULKPORT_URL, then localhost:4000, and read a bare origin as its /graphql', () => {
    expect(parse(['f.csv', '--entity', 'contacts']).connection).toMatchObject({
      httpUrl: 'http://localhost:4000/graphql',
      wsUrl: 'ws://localhost:4000/graphql',
    });
    expect(parse(['f.csv', '--entity', 'contacts'], { ...env, BULKPORT_URL: 'https://api.example.com' }).connection).toMatchObject({
      httpUrl: 'https://api.example.com/graphql',
      wsUrl: 'wss://api.example.com/graphql',
    });
    expect(parse(['f.csv', '--entity', 'contacts', '--url', 'http://h:1/custom/graphql']).connection.httpUrl).toBe('http://h:1/custom/graphql');
    expect(() => parse(['f.csv', '--entity', 'contacts', '--url', 'ftp://h'])).toThrow('--url must start with http:// or https://');
  });

  it.each([
    [['--entity', 'contacts'], 'import needs the FILE to upload'],
    [['a.csv', 'b.csv', '--entity', 'contacts'], 'import takes one FILE, got 2'],
    [['f.csv'], '--entity is required'],
    [['f.csv', '--entity', 'contacts', '--strategy', 'merge'], "--strategy must be one of skip, update, fail, got 'merge'"],
    [['f.csv', '--entity', 'contacts', '--show-errors', 'many'], '--show-errors must be a whole number from 0 to 1000'],
    [['f.csv', '--entity', 'contacts', '--progress-interval', '0'], '--progress-interval must be a number of seconds above 0'],
  ])('should refuse %j with a message saying what to fix, followed by the usage', (args, message) => {
    expect(() => parse(args)).toThrow(message);
    expect(() => parse(args)).toThrow('usage: bulkport import FILE --entity ENTITY');
  });

  it('should answer --help without needing a token', () => {
    expect(parseImportArgs(['--help'], {})).toBe('help');
  });
});
