import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildSchema, GraphQLEnumType } from 'graphql';
import { ROW_ERROR_CODES, rowErrorCodeEnumSdl } from './rowErrorCodes.ts';

describe('RowErrorCode', () => {
  it('should be in schema.graphql exactly as generated from the list in the code (run npm run schema:sync)', () => {
    const sdl = fs.readFileSync(new URL('../../schema.graphql', import.meta.url), 'utf8');
    expect(sdl).toContain(rowErrorCodeEnumSdl());
    const enumType = buildSchema(sdl, { assumeValidSDL: true }).getType('RowErrorCode') as GraphQLEnumType;
    expect(enumType.getValues().map((v) => v.name)).toEqual(Object.keys(ROW_ERROR_CODES));
  });
});
