import { currencyCode, decimal, email, isoDate, oneOf, text } from './cellParsers.ts';
import type { EntityDefinition } from './entityDefinition.ts';

export const INVOICE_STATUSES = ['draft', 'open', 'paid', 'void'] as const;

export const invoices: EntityDefinition = {
  name: 'INVOICES',
  table: 'invoices',
  key: 'number',
  columns: [
    { name: 'number', sqlType: 'text', required: true, parse: text(64), aliases: ['invoicenumber', 'invoiceno', 'invoice'] },
    { name: 'customer_email', sqlType: 'text', parse: email(254), aliases: ['email', 'customeremailaddress'] },
    { name: 'customer_name', sqlType: 'text', required: true, parse: text(200), aliases: ['name', 'customer'] },
    { name: 'amount', sqlType: 'numeric(14,2)', required: true, parse: decimal({ scale: 2, maxIntegerDigits: 12 }), aliases: ['total'] },
    { name: 'currency', sqlType: 'char(3)', parse: currencyCode() },
    { name: 'issued_at', sqlType: 'date', parse: isoDate(), aliases: ['issuedon', 'issuedate', 'date'] },
    { name: 'status', sqlType: 'text', parse: oneOf(INVOICE_STATUSES) },
  ],
  searchColumns: ['number', 'customer_email', 'customer_name'],
  filterColumns: { status: 'status' },
};
