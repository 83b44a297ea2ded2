import { email, tagList, text } from './cellParsers.ts';
import type { EntityDefinition } from './entityDefinition.ts';

export const contacts: EntityDefinition = {
  name: 'CONTACTS',
  table: 'contacts',
  key: 'email',
  columns: [
    { name: 'email', sqlType: 'text', required: true, parse: email(254), aliases: ['emailaddress', 'mail'] },
    { name: 'first_name', sqlType: 'text', required: true, parse: text(100), aliases: ['firstname', 'givenname'] },
    { name: 'last_name', sqlType: 'text', parse: text(100), emptyValue: '', aliases: ['lastname', 'surname', 'familyname'] },
    { name: 'phone', sqlType: 'text', parse: text(32), aliases: ['phonenumber', 'telephone'] },
    { name: 'company', sqlType: 'text', parse: text(200), aliases: ['organization', 'organisation'] },
    { name: 'tags', sqlType: 'text[]', parse: tagList(), emptyValue: [] },
  ],
  searchColumns: ['email', 'first_name', 'last_name', 'company'],
  filterColumns: { tags: 'tags' },
};
